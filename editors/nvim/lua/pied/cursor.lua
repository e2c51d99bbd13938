-- Tell the pied server where the cursor is (debounced), so the daemon encodes the window
-- around it while the user reads, before a suggestion is asked for.
local M = {}
local api = vim.api
local config = require('pied.config')

--- Send `pied/cursor` from a buffer the pied client attached to (false `cursor_ms`: never).
function M.attach(bufnr, client)
  local wait = config.options.cursor_ms
  if not wait then
    return
  end
  local timer = nil
  local group = api.nvim_create_augroup('pied.cursor.' .. bufnr, { clear = true })
  api.nvim_create_autocmd({ 'BufEnter', 'CursorMoved', 'CursorMovedI' }, {
    group = group,
    buffer = bufnr,
    callback = function()
      if timer then
        timer:stop()
      end
      timer = vim.defer_fn(function()
        timer = nil
        if api.nvim_get_current_buf() ~= bufnr or client:is_stopped() then
          return
        end
        client:notify('pied/cursor', vim.lsp.util.make_position_params(0, client.offset_encoding))
      end, wait)
    end,
  })
end

return M
