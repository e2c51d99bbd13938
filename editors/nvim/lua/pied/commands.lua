-- :PiedTranslate, :PiedSummarize and :PiedStatus: server commands whose results open in
-- a new buffer or a floating window.
local M = {}

local function float(lines, filetype)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].filetype = filetype or 'markdown'
  vim.bo[buf].bufhidden = 'wipe'
  local width = math.min(100, math.max(40, vim.o.columns - 10))
  local height = math.min(#lines + 1, math.max(5, vim.o.lines - 8))
  local win = vim.api.nvim_open_win(buf, true, {
    relative = 'editor',
    width = width,
    height = height,
    row = math.floor((vim.o.lines - height) / 2),
    col = math.floor((vim.o.columns - width) / 2),
    border = 'rounded',
    title = ' pied ',
  })
  vim.keymap.set('n', 'q', '<cmd>close<cr>', { buffer = buf })
  return buf, win
end

-- Run a pied command on the current buffer (and the range of `args`, if any).
local function execute(command, args, on_result)
  local client = require('pied').client(0)
  if not client then
    vim.notify('pied: the language server is not attached to this buffer', vim.log.levels.WARN)
    return
  end
  local arguments = { vim.uri_from_bufnr(0) }
  if args and args.range and args.range > 0 then
    arguments[2] = { start = { args.line1 - 1, 0 }, ['end'] = { args.line2, 0 } }
  end
  if args and args.args and args.args ~= '' then
    arguments[3] = vim.fn.fnamemodify(args.args, ':p')
  end
  client:request('workspace/executeCommand', { command = command, arguments = arguments }, function(err, result)
    if err then
      vim.notify('pied: ' .. err.message, vim.log.levels.ERROR)
    elseif result ~= nil and result ~= vim.NIL then
      on_result(result)
    end
  end, 0)
end

function M.translate(args)
  execute('pied.translateToPython', args, function(result)
    local python = type(result) == 'table' and result.python or tostring(result)
    vim.cmd('vnew')
    vim.api.nvim_buf_set_lines(0, 0, -1, false, vim.split(python, '\n', { plain = true }))
    vim.bo.filetype = 'python'
    vim.bo.buftype = 'nofile'
    local added = type(result) == 'table' and result.added or {}
    if type(added) == 'table' and #added > 0 then
      vim.notify('pied: also translated what the selection uses: ' .. table.concat(added, ', '))
    end
  end)
end

function M.summarize(args)
  execute('pied.summarize', args, function(result)
    local summary = type(result) == 'table' and result.summary or tostring(result)
    float(vim.split(summary, '\n', { plain = true }), 'markdown')
  end)
end

function M.status()
  execute('pied.status', nil, function(s)
    local lines = {
      ('model     %s (%s)'):format(s.model.name, s.model.desc),
      ('memory    %s MiB resident'):format(s.memory.rss_mib),
      ('documents %d open, %d cached'):format(s.documents, s.cached_documents),
      ('latency   p50 %s ms, p90 %s ms'):format(tostring(s.latency_ms.p50), tostring(s.latency_ms.p90)),
      ('cache     reuse rate %s'):format(tostring(s.cache.reuse_rate)),
    }
    local a = s.acceptance
    if type(a) == 'table' then
      local rate = a.acceptance_rate ~= vim.NIL and ('%d%%'):format(math.floor(a.acceptance_rate * 100 + 0.5)) or '-'
      lines[#lines + 1] = ('accepted  %d of %d shown (%s), %d characters; `pied stats` for more'):format(
        a.accepted, a.shown, rate, a.chars_accepted)
      for _, r in ipairs(a.rules or {}) do
        lines[#lines + 1] = ('          %s in %s: %s'):format(r.shape, r.language, r.effect)
      end
    end
    float(lines, 'text')
  end)
end

return M
