-- Neovim (0.7 or later, headless) as a second real LSP client of kms-policy-language-server.
-- Run by test/e2e/neovim.test.mjs:
--   nvim --headless -n -i NONE -u test/e2e/neovim/init.lua
-- with KMS_NODE, KMS_SERVER (bin/kms-policy-language-server.js), KMS_FILE (a key policy),
-- KMS_COMPLETE_AT and KMS_HOVER_AT ("line,character", 0-based) and KMS_OUT (the JSON result).
-- Only APIs that Neovim 0.7 has (Debian bookworm): vim.lsp.start_client, buf_attach_client,
-- buf_request_sync, vim.wait.
local out = assert(os.getenv('KMS_OUT'), 'KMS_OUT is not set')
local result = { nvim = vim.version(), steps = {} }
local started = vim.loop.hrtime()

local function ms()
  return math.floor((vim.loop.hrtime() - started) / 1e6)
end

local function finish()
  result.elapsed_ms = ms()
  local f = assert(io.open(out, 'w'))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd('qall!')
end

local function position(name)
  local line, character = (os.getenv(name) or ''):match('^(%d+),(%d+)$')
  assert(line, name .. ' must be "line,character"')
  return { line = tonumber(line), character = tonumber(character) }
end

local function run()
  local file = assert(os.getenv('KMS_FILE'), 'KMS_FILE is not set')
  vim.cmd('filetype on') -- init.lua runs before the defaults would turn it on; didOpen sends the filetype as languageId
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  result.filetype = vim.bo[bufnr].filetype

  local diagnostics
  local client_id = vim.lsp.start_client({
    name = 'kms-policy',
    cmd = { os.getenv('KMS_NODE') or 'node', assert(os.getenv('KMS_SERVER'), 'KMS_SERVER is not set'), '--stdio' },
    root_dir = vim.fn.fnamemodify(file, ':p:h'),
    handlers = {
      ['textDocument/publishDiagnostics'] = function(err, params, ctx, config)
        if params and params.uri == vim.uri_from_bufnr(bufnr) and #params.diagnostics > 0 then
          diagnostics = params.diagnostics
        end
        return vim.lsp.diagnostic.on_publish_diagnostics(err, params, ctx, config)
      end,
    },
  })
  assert(client_id, 'vim.lsp.start_client returned nil')
  vim.lsp.buf_attach_client(bufnr, client_id)

  local initialized = vim.wait(15000, function()
    local client = vim.lsp.get_client_by_id(client_id)
    return client ~= nil and client.initialized == true
  end, 20)
  result.initialized = initialized
  table.insert(result.steps, { step = 'initialized', at_ms = ms() })
  if not initialized then
    result.error = 'the server did not initialize within 15 s'
    return
  end

  local uri = vim.uri_from_bufnr(bufnr)
  local function request(method, at)
    local responses, err = vim.lsp.buf_request_sync(bufnr, method, { textDocument = { uri = uri }, position = at }, 10000)
    assert(responses, method .. ': ' .. tostring(err))
    local response = responses[client_id]
    assert(response, method .. ': no response from our client')
    assert(not response.err, method .. ': ' .. vim.inspect(response.err))
    return response.result
  end

  local completion = request('textDocument/completion', position('KMS_COMPLETE_AT'))
  local items = completion and (completion.items or completion) or {}
  result.completion = {}
  for _, item in ipairs(items) do
    table.insert(result.completion, { label = item.label, detail = item.detail })
  end
  table.insert(result.steps, { step = 'completion', at_ms = ms() })

  local hover = request('textDocument/hover', position('KMS_HOVER_AT'))
  result.hover = hover and hover.contents and (hover.contents.value or hover.contents) or vim.NIL
  table.insert(result.steps, { step = 'hover', at_ms = ms() })

  -- Pushed by the server (Neovim 0.7 does not pull diagnostics).
  vim.wait(10000, function()
    return diagnostics ~= nil
  end, 20)
  result.diagnostics = {}
  for _, d in ipairs(diagnostics or {}) do
    table.insert(result.diagnostics, { code = d.code, source = d.source, severity = d.severity, line = d.range.start.line, message = d.message })
  end
  table.insert(result.steps, { step = 'diagnostics', at_ms = ms() })

  vim.lsp.stop_client(client_id)
end

local ok, err = pcall(run)
if not ok then
  result.error = tostring(err)
end
finish()
