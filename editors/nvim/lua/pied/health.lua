-- :checkhealth pied — the binary, the daemon, the model and recent latency.
local M = {}

-- The pied command line: the configured server command without its `lsp` argument.
local function pied(...)
  local config = require('pied.config')
  local cmd = vim.deepcopy(config.resolve(config.options.cmd) or config.options.cmd)
  if cmd[#cmd] == 'lsp' then
    table.remove(cmd)
  end
  return vim.list_extend(cmd, { ... })
end

function M.check()
  vim.health.start('pied')
  local config = require('pied.config')
  local _, problem = config.resolve(config.options.cmd)
  if problem then
    vim.health.error(problem, { 'Looked on PATH and in ' .. table.concat(config.usual_places(), ', ') })
    return
  end
  local exe = pied()[1]
  vim.health.ok(('`%s` found: %s'):format(exe, vim.fn.exepath(exe)))
  if vim.fn.has('nvim-0.12') == 1 then
    vim.health.ok('ghost text through vim.lsp.inline_completion')
  else
    vim.health.info('Neovim < 0.12: pied draws ghost text itself')
  end
  local out = vim.system(pied('daemon', 'status', '--json'), { text = true }):wait()
  if out.code ~= 0 then
    vim.health.warn('the pied daemon is not running; it starts on first use', { 'Or run `pied daemon start`' })
    local models = vim.system(pied('model', 'list'), { text = true }):wait()
    if models.code == 0 and models.stdout:find('installed') then
      vim.health.ok('a model is installed')
    else
      vim.health.error('no model installed', { 'Run `pied model install`' })
    end
    return
  end
  local ok, status = pcall(vim.json.decode, out.stdout)
  if not ok then
    vim.health.error('unreadable daemon status: ' .. out.stdout)
    return
  end
  vim.health.ok(('daemon pid %d, model %s'):format(status.pid, status.model.name))
  local p50 = status.latency_ms.p50
  if p50 == vim.NIL or p50 == nil then
    vim.health.info('no completions yet')
  elseif p50 < 1000 then
    vim.health.ok(('completion latency p50 %d ms'):format(p50))
  else
    vim.health.warn(('completion latency p50 %d ms'):format(p50), { 'Try a smaller model or fewer context tokens' })
  end
end

return M
