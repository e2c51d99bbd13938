-- Ghost-text suggestions: Neovim 0.12's vim.lsp.inline_completion when present, else our own
-- requests and extmarks (0.10/0.11), with accept-all, accept-word, accept-line and dismiss.
local config = require('pied.config')
local api = vim.api

local M = {}
local ns = api.nvim_create_namespace('pied.inline')

--- The part of an accepted suggestion to insert: all, the next word, or the next line.
---@param text string the suggestion after what is already typed
---@param kind 'all'|'word'|'line'
---@return string
function M.partial(text, kind)
  if kind == 'word' then
    return text:match('^%s*[%w_]+') or text:match('^%s*[^%w_%s]+') or text:sub(1, 1)
  elseif kind == 'line' then
    local line = text:match('^\n?[^\n]*')
    return line or text
  end
  return text
end

-- Insert `text` at (row, col) (0-based) and put the cursor after it.
local function insert_at(bufnr, row, col, text)
  local lines = vim.split(text, '\n', { plain = true })
  api.nvim_buf_set_text(bufnr, row, col, row, col, lines)
  local last_col = (#lines == 1 and col or 0) + #lines[#lines]
  api.nvim_win_set_cursor(0, { row + #lines, last_col })
end

-- Tell the server what was accepted: the item's command (pied.accepted) with how much of
-- it went in (kind, text), as an editor runs an item's command after accepting it.
local function report_accept(client_id, command, kind, text, bufnr)
  local client = client_id and vim.lsp.get_client_by_id(client_id)
  if not client or not command then
    return
  end
  local args = vim.deepcopy(command.arguments or {})
  if type(args[1]) == 'table' then
    args[1].kind = kind
    args[1].text = text
  end
  client:exec_cmd({ title = command.title, command = command.command, arguments = args }, { bufnr = bufnr })
end

-- {{{ Neovim 0.12: the built-in client
local function accept_builtin(kind)
  return vim.lsp.inline_completion.get({
    on_accept = function(item)
      local text = type(item.insert_text) == 'string' and item.insert_text or item.insert_text.value
      local range = item.range
      local row, col, accepted
      if range then
        row, col = range.start.row, range.start.col
        local typed = api.nvim_buf_get_text(0, row, col, range.end_.row, range.end_.col, {})
        typed = table.concat(typed, '\n')
        api.nvim_buf_set_text(0, row, col, range.end_.row, range.end_.col, { '' })
        if text:sub(1, #typed) == typed then -- the range holds what was typed of it
          accepted = M.partial(text:sub(#typed + 1), kind)
          text = typed .. accepted
        else -- the range's text rewritten (the line's rest): replaced, by its line at least
          accepted = kind == 'all' and text or M.partial(text, 'line')
          text = accepted
        end
      else
        local cursor = api.nvim_win_get_cursor(0)
        row, col = cursor[1] - 1, cursor[2]
        text = M.partial(text, kind)
        accepted = text
      end
      insert_at(0, row, col, text)
      report_accept(item.client_id, item.command, kind, accepted, 0)
    end,
  })
end
-- }}}

-- {{{ Neovim 0.10/0.11: our own requests and ghost text
local state = {} ---@type table<integer, {timer?: uv.uv_timer_t, item?: table, request?: integer}>

local function clear(bufnr)
  api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
  local s = state[bufnr]
  if s then
    s.item = nil
  end
end

local function show(bufnr, item, hint, client_id)
  clear(bufnr)
  local cursor = api.nvim_win_get_cursor(0)
  local row, col = cursor[1] - 1, cursor[2]
  local text = item.insertText
  if item.range then
    local r = item.range
    local typed = api.nvim_buf_get_text(bufnr, r.start.line, r.start.character, row, col, {})
    text = text:sub(#table.concat(typed, '\n') + 1)
  end
  local lines = vim.split(text, '\n', { plain = true })
  local virt_lines = {}
  for i = 2, #lines do
    virt_lines[#virt_lines + 1] = { { lines[i], 'Comment' } }
  end
  local virt_text = { { lines[1], 'Comment' } }
  if hint and #virt_lines == 0 then
    virt_text[2] = { hint, 'NonText' }
  elseif hint then
    table.insert(virt_lines[#virt_lines], { hint, 'NonText' })
  end
  api.nvim_buf_set_extmark(bufnr, ns, row, col, {
    virt_text = virt_text,
    virt_text_pos = 'inline',
    virt_lines = #virt_lines > 0 and virt_lines or nil,
  })
  state[bufnr] = state[bufnr] or {}
  state[bufnr].item = { text = text, command = item.command, client_id = client_id }
end

--- Whether an item replaces text past the cursor (the line's rest it rewrites): for the
--- ghost text that draws a range (Neovim 0.12's, VS Code's). Ours puts text in at the
--- cursor, where it would stand beside the text it replaces, so it shows no such item.
local function replaces(item)
  local r = item.range
  return r ~= nil and (r['end'].line ~= r.start.line or r['end'].character ~= r.start.character)
end

local function request(bufnr, client)
  local s = state[bufnr]
  if s.request then
    client:cancel_request(s.request)
  end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  params.context = { triggerKind = 2 }
  local ok, id = client:request('textDocument/inlineCompletion', params, function(err, result)
    s.request = nil
    if err or not result or api.nvim_get_mode().mode:sub(1, 1) ~= 'i' then
      return
    end
    local items = result.items or result
    if items[1] and items[1].insertText ~= '' and not replaces(items[1]) then
      show(bufnr, items[1], nil, client.id)
    end
  end, bufnr)
  s.request = ok and id or nil
end

local function accept_own(kind)
  local bufnr = api.nvim_get_current_buf()
  local s = state[bufnr]
  if not s or not s.item then
    return false
  end
  local item = s.item
  local text = M.partial(item.text, kind)
  clear(bufnr)
  s.alternatives = nil
  local cursor = api.nvim_win_get_cursor(0)
  vim.schedule(function()
    insert_at(bufnr, cursor[1] - 1, cursor[2], text)
    report_accept(item.client_id, item.command, kind, text, bufnr)
  end)
  return true
end

local function attach_own(bufnr, client)
  state[bufnr] = {}
  local group = api.nvim_create_augroup('pied.inline.' .. bufnr, { clear = true })
  api.nvim_create_autocmd({ 'TextChangedI', 'CursorMovedI' }, {
    group = group,
    buffer = bufnr,
    callback = function()
      clear(bufnr)
      local s = state[bufnr]
      if s.timer then
        s.timer:stop()
      end
      s.timer = vim.defer_fn(function()
        if api.nvim_buf_is_valid(bufnr) and api.nvim_get_mode().mode:sub(1, 1) == 'i' then
          request(bufnr, client)
        end
      end, config.options.debounce_ms)
    end,
  })
  api.nvim_create_autocmd({ 'InsertLeave', 'BufLeave' }, {
    group = group,
    buffer = bufnr,
    callback = function()
      clear(bufnr)
    end,
  })
end
-- }}}

local function builtin()
  return vim.lsp.inline_completion ~= nil
end

-- {{{ Alternatives: an invoked request (up to 3 different suggestions) shown by us, cycled
local function show_alternative(bufnr, alt)
  local n = #alt.items
  local hint = n > 1 and ('  (%d/%d)'):format(alt.index, n) or nil
  show(bufnr, alt.items[alt.index], hint, alt.client_id)
end

--- Show the next (step 1) or previous (-1) alternative suggestion at the cursor, asking the
--- server for them (an invoked request) the first time. False if pied is not attached.
function M.cycle(step)
  local bufnr = api.nvim_get_current_buf()
  local client = require('pied').client(bufnr)
  if not client then
    return false
  end
  state[bufnr] = state[bufnr] or {}
  local s = state[bufnr]
  local cursor = api.nvim_win_get_cursor(0)
  local alt = s.alternatives
  if alt and alt.row == cursor[1] and alt.col == cursor[2] and api.nvim_buf_get_changedtick(bufnr) == alt.tick then
    alt.index = (alt.index - 1 + step) % #alt.items + 1
    show_alternative(bufnr, alt)
    return true
  end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  params.context = { triggerKind = 1 } -- Invoked: the server answers with alternatives
  local tick = api.nvim_buf_get_changedtick(bufnr)
  client:request('textDocument/inlineCompletion', params, function(err, result)
    if err or not result or api.nvim_get_mode().mode:sub(1, 1) ~= 'i' then
      return
    end
    local now = api.nvim_win_get_cursor(0)
    if now[1] ~= cursor[1] or now[2] ~= cursor[2] or api.nvim_buf_get_changedtick(bufnr) ~= tick then
      return -- the user moved on
    end
    local items = vim.tbl_filter(function(i)
      return i.insertText ~= '' and not replaces(i)
    end, result.items or result)
    if #items == 0 then
      return
    end
    if builtin() then
      vim.lsp.inline_completion.get({ bufnr = bufnr, on_accept = function() end }) -- hide its own
    end
    s.alternatives = { items = items, index = 1, row = cursor[1], col = cursor[2], tick = tick, client_id = client.id }
    show_alternative(bufnr, s.alternatives)
  end, bufnr)
  return true
end

--- The alternatives shown now ({texts}, index), or nil (used by tests).
function M.alternatives(bufnr)
  local s = state[bufnr or api.nvim_get_current_buf()]
  if not s or not s.alternatives then
    return nil
  end
  local texts = vim.tbl_map(function(i)
    return i.insertText
  end, s.alternatives.items)
  return { texts = texts, index = s.alternatives.index }
end
-- }}}

local function showing_own(bufnr)
  local s = state[bufnr]
  return s ~= nil and s.item ~= nil
end

--- Accept the current suggestion (kind: 'all', 'word' or 'line'); false if there is none.
function M.accept(kind)
  if showing_own(api.nvim_get_current_buf()) then
    return accept_own(kind or 'all')
  end
  if builtin() then
    return accept_builtin(kind or 'all')
  end
  return accept_own(kind or 'all')
end

--- Drop the current suggestion.
function M.dismiss()
  local own = api.nvim_get_current_buf()
  if builtin() and showing_own(own) then
    clear(own)
    state[own].alternatives = nil
    return true
  end
  if builtin() then
    return vim.lsp.inline_completion.get({ on_accept = function() end })
  end
  local bufnr = api.nvim_get_current_buf()
  local had = state[bufnr] and state[bufnr].item ~= nil
  clear(bufnr)
  return had
end

--- The text of the suggestion shown now, or nil (used by tests and statuslines).
function M.current(bufnr)
  bufnr = bufnr or api.nvim_get_current_buf()
  if builtin() and showing_own(bufnr) then
    return state[bufnr].item.text
  end
  if builtin() then
    local marks = api.nvim_buf_get_extmarks(bufnr, -1, 0, -1, { details = true })
    for _, m in ipairs(marks) do
      local d = m[4]
      if d.ns_id == api.nvim_get_namespaces()['nvim.lsp.inline_completion'] and d.virt_text then
        return d.virt_text[1][1]
      end
    end
    return nil
  end
  local s = state[bufnr]
  return s and s.item and s.item.text or nil
end

M.refused = 0 -- inline completion requests not sent: insert mode was left before they went

--- Neovim 0.12's inline completion asks 200 ms after the last insert-mode event even when
--- insert mode was left meanwhile (its InsertLeave does not stop that timer), and shows the
--- answer as ghost text in normal mode. The pied client sends no such request outside
--- insert mode, and drops an answer that comes after it was left.
local function insert_mode_only(client)
  if client._pied_insert_mode_only then
    return
  end
  client._pied_insert_mode_only = true
  local send = client.request
  client.request = function(self, method, params, handler, bufnr)
    if method ~= 'textDocument/inlineCompletion' then
      return send(self, method, params, handler, bufnr)
    end
    if api.nvim_get_mode().mode:sub(1, 1) ~= 'i' then
      M.refused = M.refused + 1
      return false, nil
    end
    return send(self, method, params, function(err, result, ctx, cfg)
      if handler and api.nvim_get_mode().mode:sub(1, 1) == 'i' then
        return handler(err, result, ctx, cfg)
      end
    end, bufnr)
  end
end

--- Start suggestions in a buffer the pied client attached to.
function M.attach(bufnr, client)
  if builtin() then
    insert_mode_only(client)
    vim.lsp.inline_completion.enable(true, { bufnr = bufnr })
    state[bufnr] = state[bufnr] or {}
    -- Our alternatives are ghost text of our own: gone when the user types or moves on.
    api.nvim_create_autocmd({ 'TextChangedI', 'CursorMovedI', 'InsertLeave', 'BufLeave' }, {
      group = api.nvim_create_augroup('pied.alternatives.' .. bufnr, { clear = true }),
      buffer = bufnr,
      callback = function()
        local s = state[bufnr]
        local alt = s and s.alternatives
        local cursor = api.nvim_win_get_cursor(0)
        if alt and alt.row == cursor[1] and alt.col == cursor[2] and api.nvim_buf_get_changedtick(bufnr) == alt.tick then
          return -- the event that showed them
        end
        if s and s.item then
          clear(bufnr)
          s.alternatives = nil
        end
      end,
    })
  else
    attach_own(bufnr, client)
  end
  local keys = config.options.keys
  local function map(lhs, fn)
    if lhs then
      vim.keymap.set('i', lhs, function()
        if not fn() then
          return lhs
        end
      end, { buffer = bufnr, expr = true, replace_keycodes = true, desc = 'pied' })
    end
  end
  map(keys.accept, function() return M.accept('all') end)
  map(keys.accept_word, function() return M.accept('word') end)
  map(keys.accept_line, function() return M.accept('line') end)
  map(keys.dismiss, M.dismiss)
  map(keys.next, function() return M.cycle(1) end)
  map(keys.prev, function() return M.cycle(-1) end)
end

return M
