-- The pied language server, for vim.lsp.config / vim.lsp.enable (Neovim 0.11+).
---@type vim.lsp.Config
return {
  cmd = { 'pied', 'lsp' },
  filetypes = {
    'python', 'c', 'cpp', 'cs', 'go', 'java', 'javascript', 'typescript', 'javascriptreact',
    'typescriptreact', 'rust', 'ruby', 'php', 'lua', 'sh', 'zig', 'kotlin', 'swift', 'scala',
  },
  root_markers = { '.git', 'pyproject.toml', 'setup.py', 'package.json', 'go.mod', 'Cargo.toml' },
  init_options = {},
}
