-- pied: local code completion. Kept tiny: commands only; `require('pied').setup()` does the rest.
if vim.g.loaded_pied then
  return
end
vim.g.loaded_pied = true

local function cmd(name, fn, opts)
  vim.api.nvim_create_user_command(name, function(args)
    require('pied.commands')[fn](args)
  end, opts)
end

cmd('PiedTranslate', 'translate', { range = true, desc = 'Translate the selection or buffer to Python' })
cmd('PiedSummarize', 'summarize', { range = true, nargs = '?', complete = 'file', desc = 'Summarize code or a spreadsheet' })
cmd('PiedStatus', 'status', { desc = 'Show the pied daemon status' })
