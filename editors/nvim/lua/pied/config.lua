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
    -- Other suggestions at the cursor (asked for on the first press), and back.
    next = '<M-]>',
    prev = '<M-[>',
    -- In normal mode, while a next edit is shown: go to it, then apply it (<C-]> dismisses).
    next_edit = '<Tab>',
  },
  -- Milliseconds to wait after typing before asking (only for Neovim < 0.12).
  debounce_ms = 150,
  -- Milliseconds the cursor rests before the server is told where it is (it then encodes
  -- the window there in the background); false: never tell it.
  cursor_ms = 150,
  -- Milliseconds after an edit (insert mode left, a change in normal mode) before the next
  -- edit is asked for; false: never.
  next_edit_ms = 300,
}

M.options = vim.deepcopy(M.defaults)

M.NOT_FOUND = 'pied is not installed or not on PATH — install it with `pipx install /path/to/pied` '
  .. '(or `make setup` in a pied checkout) or set `cmd` in require("pied").setup{}'

--- The places a Python tool's `pied` lands, tried after PATH: a `.venv` in the working
--- directory, then pipx's `~/.local/bin`.
---@return string[]
function M.usual_places()
  return {
    vim.fs.joinpath(vim.fn.getcwd(), '.venv', 'bin', 'pied'),
    vim.fs.joinpath(vim.fn.expand('~'), '.local', 'bin', 'pied'),
  }
end

--- The server command with its executable found: `cmd[1]` on PATH (or as a path), else, for
--- the default `pied`, the usual places. Returns nil and the reason when nothing is found.
---@param cmd string[]
---@return string[]?, string?
function M.resolve(cmd)
  local exe = cmd[1]
  if vim.fn.executable(exe) == 1 then
    return cmd, nil
  end
  if exe == 'pied' then
    for _, place in ipairs(M.usual_places()) do
      if vim.fn.executable(place) == 1 then
        local found = vim.deepcopy(cmd)
        found[1] = place
        return found, nil
      end
    end
    return nil, M.NOT_FOUND
  end
  return nil, ('`%s` is not an executable: %s'):format(exe, M.NOT_FOUND)
end

function M.set(opts)
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  return M.options
end

return M
