-- wrk script: every request submits an answer with its own one-time code.
-- Usage: wrk ... -s benchmarks/submit.lua URL -- TOKENS_FILE THREADS BODY_FILE
-- Tokens are dealt round-robin to wrk's threads, so no code is sent twice; when a thread
-- runs out it sends an impossible code (counted as "exhausted", never as accepted).
local threads, counter = {}, 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(args[2])
  tokens, pos, accepted, other, exhausted = {}, 0, 0, 0, 0
  local i = 0
  for line in io.lines(args[1]) do
    if i % nthreads == id then table.insert(tokens, line) end
    i = i + 1
  end
  local f = io.open(args[3], "r")
  answers = f:read("*a")
  f:close()
  headers = {["Content-Type"] = "application/json"}
end

function request()
  pos = pos + 1
  local token = tokens[pos]
  if token == nil then
    exhausted = exhausted + 1
    token = "0000000000"
  end
  return wrk.format("POST", "/api/v1/responses", headers,
                    '{"token":"' .. token .. '","answers":' .. answers .. '}')
end

function response(status, headers, body)
  if status == 201 then accepted = accepted + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local acc, oth, exh = 0, 0, 0
  for _, t in ipairs(threads) do
    acc = acc + t:get("accepted")
    oth = oth + t:get("other")
    exh = exh + t:get("exhausted")
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"accepted":%d,"other":%d,"exhausted":%d,"requests":%d,"duration_us":%d,' ..
    '"p50_us":%d,"p99_us":%d,"socket_errors":%d}\n',
    acc, oth, exh, summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout))
end
