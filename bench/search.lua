-- wrk script: GET /v1/customers/search?email= for random e-mails listed in EMAILS.
local token = os.getenv("TOKEN")
local emails = {}
for line in io.lines(os.getenv("EMAILS")) do emails[#emails + 1] = line end
request = function()
  return wrk.format("GET", "/v1/customers/search?email=" .. emails[math.random(#emails)], {["Authorization"] = "Bearer " .. token})
end
