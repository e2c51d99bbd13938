-- Options of the Neovim plugin (the server's own settings go in `server`).
local M = {}

M.defaults = {
  -- Command that starts the language server.
  cmd = { 'pied', 'lsp' },
  -- Settings sent to the server as initializationOptions (see `pied` README).
  server = {},
  -- Keys in insert mode; false disables one.
  keys = {
    accept = '<Tab>',
    accept_word = '<C-Right>',
    accept_line = '<C-Down>',
    dismiss = '<C-]>',
  },
  -- Milliseconds to wait after typing before asking (only for Neovim < 0.12).
  debounce_ms = 150,
}

M.options = vim.deepcopy(M.defaults)

function M.set(opts)
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  return M.options
end

return M
