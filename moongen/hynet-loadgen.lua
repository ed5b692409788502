--- hynet's load generator for MoonGen (libmoon), written from the seed's
--- timer-loadgen.lua as documented in hynet's spec (shared/spec/moongen-moonsniff.md);
--- hynet's `moongen` load generator kind (src/traffic/moongen.ts) runs it:
---
---   MoonGen hynet-loadgen.lua -x SIZE --fix-packetrate RATE --packets N --flows F --burst B --warm-up S TX RX
---
--- Packets: Ethernet/IPv4/UDP to port 23432; per packet a counter pkt_id from 0:
--- IPv4 id = pkt_id & 0xFFFF, UDP payload bytes 0-3 = pkt_id little-endian,
--- byte 4 = 0x55, UDP source port = ceil(pkt_id / 65536); with F flows the
--- source address is 10.0.0.10 + (n mod F), n counting packets from 1.
--- Rate: software pacing, busy-waiting; the gap of a whole burst is waited once,
--- so the frames of a burst leave back to back.
--- Warm-up: a train of 945 packets to UDP port 23433 (never measured), then a
--- pause of S seconds in which the timestamper starts.
--- The lines starting "hynet-" on stdout are what hynet reads back.
local mg     = require "moongen"
local memory = require "memory"
local device = require "device"
local stats  = require "stats"
local log    = require "log"

local TEST_PORT   = 23432
local WARMUP_PORT = 23433
local WARMUP_PACKETS = 945
local SRC_BASE = parseIPAddress("10.0.0.10")
local MARKER = 0x55

function configure(parser)
	parser:description("hynet load generator: paced UDP test traffic in the MoonSniff layout")
	parser:argument("txDev", "Device to send from."):convert(tonumber)
	parser:argument("rxDev", "Device whose received packets are counted (statistics only)."):convert(tonumber)
	parser:option("-v --fix-packetrate", "Packets per second."):default(10000):convert(tonumber):target("rate")
	parser:option("-s --src-mac", "Source MAC (default: the TX device's)."):target("srcMac")
	parser:option("-d --dst-mac", "Destination MAC."):default("3e:e5:a8:40:0d:00"):target("dstMac")
	parser:option("-l --l4-dst", "UDP destination port."):default(TEST_PORT):convert(tonumber):target("l4Dst")
	parser:option("-p --packets", "Measured packets to send."):default(100000):convert(tonumber)
	parser:option("-x --size", "Frame size without FCS."):default(100):convert(tonumber)
	parser:option("-b --burst", "Packets sent back to back."):default(1):convert(tonumber)
	parser:option("-w --warm-up", "Pause after the warm-up train, seconds."):default(0):convert(tonumber):target("warmUp")
	parser:option("-f --flows", "Flows (source addresses)."):default(1):convert(tonumber)
end

local function say(...)
	io.stdout:write(table.concat({ ... }, " "), "\n")
	io.stdout:flush()
end

local function fill(buf, args, srcMac, id, n, port)
	local pkt = buf:getUdpPacket()
	pkt:fill{
		ethSrc = srcMac, ethDst = args.dstMac,
		ip4Src = SRC_BASE + ((n - 1) % args.flows), ip4Dst = "10.0.2.20",
		udpSrc = math.ceil(id / 65536), udpDst = port,
		pktLength = args.size,
	}
	pkt.ip4:setID(bit.band(id, 0xFFFF))
	local p = pkt.payload.uint8
	p[0] = bit.band(id, 0xFF)
	p[1] = bit.band(bit.rshift(id, 8), 0xFF)
	p[2] = bit.band(bit.rshift(id, 16), 0xFF)
	p[3] = bit.band(bit.rshift(id, 24), 0xFF)
	p[4] = MARKER
end

--- Send `count` packets with ids from 0 at `rate`, `burst` back to back; returns sent, first and last departure (ns).
local function train(queue, mempool, args, srcMac, count, port)
	local bufs = mempool:bufArray(args.burst)
	local gapNs = 1e9 / args.rate * args.burst
	local sent, n = 0, 0
	local first, last
	local nextAt = mg.getTime() * 1e9
	while mg.running() and sent < count do
		local k = math.min(args.burst, count - sent)
		bufs:allocN(args.size, k)
		for i = 1, k do
			n = n + 1
			fill(bufs[i], args, srcMac, sent + i - 1, n, port)
		end
		bufs:offloadUdpChecksums()
		while mg.getTime() * 1e9 < nextAt do end
		local now = mg.getTime() * 1e9
		first = first or now
		last = now
		queue:sendN(bufs, k)
		sent = sent + k
		nextAt = nextAt + gapNs
	end
	return sent, first or 0, last or 0
end

local function sender(args, txDev)
	local queue = txDev:getTxQueue(0)
	local srcMac = args.srcMac or queue.dev:getMacString()
	local mempool = memory.createMemPool()
	local warm = 0
	if args.warmUp > 0 then
		say("hynet-phase warmup")
		warm = train(queue, mempool, args, srcMac, WARMUP_PACKETS, WARMUP_PORT)
		say("hynet-phase pause")
		mg.sleepMillis(args.warmUp * 1000)
	end
	say("hynet-phase measure")
	local sent, first, last = train(queue, mempool, args, srcMac, args.packets, args.l4Dst)
	say("hynet-phase done")
	say(string.format("hynet-result sent=%d warmup=%d first_ns=%.0f last_ns=%.0f", sent, warm, first, last))
	-- The seed's drain: let the last frames leave before the devices stop.
	mg.sleepMillis(1500)
end

function master(args)
	local txDev = device.config{ port = args.txDev, txQueues = 1 }
	local rxDev = device.config{ port = args.rxDev, rxQueues = 1 }
	device.waitForLinks()
	stats.startStatsTask{ txDevices = { txDev }, rxDevices = { rxDev } }
	mg.startTask("sender", args, txDev)
	mg.waitForTasks()
end
