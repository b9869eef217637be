-- wrk script: GET /v1/customers/{id} for random ids listed in IDS (one per line).
local token = os.getenv("TOKEN")
local ids = {}
for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
request = function()
  return wrk.format("GET", "/v1/customers/" .. ids[math.random(#ids)], {["Authorization"] = "Bearer " .. token})
end
