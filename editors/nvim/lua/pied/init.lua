-- pied for Neovim: ghost-text completions from a local model, translate and summarize.
local M = {}

--- Enable the language server and inline suggestions.
---@param opts? table see `:help pied-setup`
function M.setup(opts)
  local config = require('pied.config')
  local options = config.set(opts)
  local cmd, problem = config.resolve(options.cmd)
  if not cmd then
    vim.notify('pied: ' .. problem, vim.log.levels.ERROR)
    return
  end
  vim.lsp.config('pied', { cmd = cmd, init_options = options.server })
  vim.lsp.enable('pied')
  vim.api.nvim_create_autocmd('LspAttach', {
    group = vim.api.nvim_create_augroup('pied.attach', { clear = true }),
    callback = function(args)
      local client = vim.lsp.get_client_by_id(args.data.client_id)
      if client and client.name == 'pied' then
        require('pied.inline').attach(args.buf, client)
        require('pied.cursor').attach(args.buf, client)
        require('pied.nextedit').attach(args.buf, client)
      end
    end,
  })
end

--- The running pied client for a buffer, if any.
---@param bufnr? integer
---@return vim.lsp.Client?
function M.client(bufnr)
  return vim.lsp.get_clients({ name = 'pied', bufnr = bufnr or 0 })[1]
end

return M
