-- wrk script: connect to $WRK_CONNECT_ADDR (port from the URL) whatever the URL's host,
-- which stays the TLS SNI name and the Host header. wrk has no --resolve of its own.
local target = os.getenv("WRK_CONNECT_ADDR")
function wrk.resolve(host, service)
   wrk.addrs = wrk.lookup(target, service)
end
