-- Next-edit suggestions: after an edit (leaving insert mode, or a change in normal mode),
-- pied proposes the change the user makes next. The old text is marked where it applies and
-- the new text drawn under it; <Tab> jumps there, <Tab> again applies it (and the next one
-- is asked for); any edit or <C-]> dismisses it.
local config = require('pied.config')
local api = vim.api

local M = {}
local ns = api.nvim_create_namespace('pied.nextedit')
local shown = nil ---@type {bufnr: integer, edit: table, client_id: integer}?
local mapped = {} ---@type table<integer, boolean> buffers with our normal-mode keys
local asking = {} ---@type table<integer, integer> buffer -> request id
M.answered = 0 -- answers received (shown or not): what tests wait for

local function unmap(bufnr)
  if not mapped[bufnr] or not api.nvim_buf_is_valid(bufnr) then
    mapped[bufnr] = nil
    return
  end
  mapped[bufnr] = nil
  local keys = config.options.keys
  for _, lhs in ipairs({ keys.next_edit, keys.dismiss }) do
    if lhs then
      pcall(vim.keymap.del, 'n', lhs, { buffer = bufnr })
    end
  end
end

--- Hide the suggestion shown, if any.
function M.dismiss()
  if shown then
    if api.nvim_buf_is_valid(shown.bufnr) then
      api.nvim_buf_clear_namespace(shown.bufnr, ns, 0, -1)
    end
    unmap(shown.bufnr)
    unmap(api.nvim_get_current_buf())
  end
  shown = nil
end

--- The suggestion shown: {uri, range, newText, oldText, why} (nil if none).
function M.current()
  return shown and shown.edit or nil
end

local function here()
  if not shown then
    return false
  end
  local r = shown.edit.range
  local row = api.nvim_win_get_cursor(0)[1] - 1
  local last = r['end'].character == 0 and r['end'].line - 1 or r['end'].line
  return api.nvim_get_current_buf() == shown.bufnr and row >= r.start.line and row <= math.max(last, r.start.line)
end

--- The lines of ``newText`` and how many leading ones are ``oldText``'s own (kept as they are).
local function new_lines(edit)
  local new = edit.newText == '' and {} or vim.split((edit.newText:gsub('\n$', '')), '\n', { plain = true })
  local old = vim.split(edit.oldText or '', '\n', { plain = true })
  local kept = 0
  while kept < #old and kept < #new and old[kept + 1] == new[kept + 1] do
    kept = kept + 1
  end
  return new, kept
end

local function draw()
  local bufnr, edit = shown.bufnr, shown.edit
  api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
  local r = edit.range
  local last = r['end'].character == 0 and r['end'].line - 1 or r['end'].line
  last = math.max(last, r.start.line)
  local new, kept = new_lines(edit) -- a line kept above an insertion is neither marked nor drawn
  for row = r.start.line + kept, math.min(last, api.nvim_buf_line_count(bufnr) - 1) do
    api.nvim_buf_set_extmark(bufnr, ns, row, 0, { line_hl_group = 'DiffDelete' })
  end
  local virt = {}
  for i = kept + 1, #new do -- lines dropped: only the marked lines, nothing drawn under them
    virt[#virt + 1] = { { new[i], 'DiffAdd' } }
  end
  local hint = here() and '  Tab: apply' or '  Tab: go to the next edit'
  virt[#virt + 1] = { { hint .. (edit.why and ('  (' .. edit.why .. ')') or ''), 'NonText' } }
  local row = math.min(last, api.nvim_buf_line_count(bufnr) - 1)
  api.nvim_buf_set_extmark(bufnr, ns, row, 0, { virt_lines = virt })
end

--- <Tab>: go to the suggestion, or apply it when the cursor is there.
function M.tab()
  if not shown then
    return
  end
  if not here() then
    if api.nvim_get_current_buf() ~= shown.bufnr then
      local ok, err = pcall(api.nvim_set_current_buf, shown.bufnr)
      if not ok then
        vim.notify('pied: cannot go to the next edit: ' .. tostring(err), vim.log.levels.WARN)
        return
      end
    end
    api.nvim_win_set_cursor(0, { shown.edit.range.start.line + 1, 0 })
    M.map(shown.bufnr)
    draw()
    return
  end
  local s = shown
  M.dismiss()
  local client = vim.lsp.get_client_by_id(s.client_id)
  local encoding = client and client.offset_encoding or 'utf-16'
  vim.lsp.util.apply_text_edits({ { range = s.edit.range, newText = s.edit.newText } }, s.bufnr, encoding)
  if client and s.edit.command then
    client:exec_cmd(s.edit.command, { bufnr = s.bufnr })
  end
end

function M.map(bufnr)
  if mapped[bufnr] then
    return
  end
  mapped[bufnr] = true
  local keys = config.options.keys
  if keys.next_edit then
    vim.keymap.set('n', keys.next_edit, M.tab, { buffer = bufnr, desc = 'pied: next edit' })
  end
  if keys.dismiss then
    vim.keymap.set('n', keys.dismiss, M.dismiss, { buffer = bufnr, desc = 'pied: dismiss the next edit' })
  end
end

local function show(client, edit)
  local bufnr = edit.uri and vim.uri_to_bufnr(edit.uri) or api.nvim_get_current_buf()
  vim.fn.bufload(bufnr)
  shown = { bufnr = bufnr, edit = edit, client_id = client.id }
  M.map(api.nvim_get_current_buf())
  M.map(bufnr)
  draw()
end

--- Ask for the next edit after the user's last one in `bufnr`.
function M.ask(bufnr, client)
  if asking[bufnr] then
    client:cancel_request(asking[bufnr])
  end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  local tick = api.nvim_buf_get_changedtick(bufnr)
  local _, id = client:request('pied/nextEdit', params, function(err, result)
    asking[bufnr] = nil
    M.answered = M.answered + 1
    if err or not result or not api.nvim_buf_is_valid(bufnr) then
      return
    end
    if api.nvim_buf_get_changedtick(bufnr) ~= tick or api.nvim_get_mode().mode ~= 'n' then
      return -- edited (or typing) since: that answer is stale
    end
    local first = (result.edits or {})[1]
    if first then
      show(client, first)
    end
  end, bufnr)
  asking[bufnr] = id
end

--- Ask after each edit a user leaves (insert mode left, a change in normal mode).
function M.attach(bufnr, client)
  local wait = config.options.next_edit_ms
  if not wait then
    return
  end
  local timer = nil
  local group = api.nvim_create_augroup('pied.nextedit.' .. bufnr, { clear = true })
  api.nvim_create_autocmd({ 'InsertLeave', 'TextChanged' }, {
    group = group,
    buffer = bufnr,
    callback = function()
      if shown and shown.bufnr == bufnr then
        M.dismiss()
      end
      if timer then
        timer:stop()
      end
      timer = vim.defer_fn(function()
        timer = nil
        if api.nvim_get_current_buf() == bufnr and not client:is_stopped() then
          M.ask(bufnr, client)
        end
      end, wait)
    end,
  })
  api.nvim_create_autocmd({ 'InsertEnter', 'TextChangedI' }, {
    group = group,
    buffer = bufnr,
    callback = M.dismiss,
  })
end

return M
