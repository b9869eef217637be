-- wrk script: POST /v1/customers with ~10 realistic fields. TOKEN comes from the environment.
local token = os.getenv("TOKEN")
local n = 0
request = function()
  n = n + 1
  local body = string.format(
    '{"fields":{"first_name":"Bench%d","last_name":"Nowak-Wójcik","email":"bench%d.%d@example.org","phone":"+4860%07d","street":"ul. Długa %d","postal_code":"00-%03d","city":"Kraków","country":"PL","birth_date":"1985-04-12","note":"prefers appointments in the morning"}}',
    n, n, math.random(1000000000), math.random(9999999), n % 200, n % 1000)
  return wrk.format("POST", "/v1/customers", {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
