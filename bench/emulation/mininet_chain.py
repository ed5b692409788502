#!/usr/bin/python3
"""The anchor for bench/emulation: Mininet 2.3 building the same networks as hynet.

  /usr/bin/python3 bench/emulation/mininet_chain.py paper
  /usr/bin/python3 bench/emulation/mininet_chain.py chain 200

Hosts are mininet.node.Host (namespaces), links mininet.link.Link (veth), no
controller, no switch; addresses, routes, static ARP and sysctls are set the
way the seed's mininet_experiment.py set them (h.cmd). Prints one line:
`start <s> stop <s>`. Only what this script made is removed (net.stop(),
and on failure the links and hosts it created), never `mn -c`.
"""
import sys
import time

from mininet.net import Mininet
from mininet.node import Host
from mininet.link import Link
from mininet.log import setLogLevel

SYSCTLS = "sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=1"


def paper(net):
    hosts = [net.addHost(f"h{i + 1}", ip=None) for i in range(7)]
    lg = net.addHost("lg", ip=None)
    for i in range(6):
        p1 = {"ip": f"10.0.3.1{i:02}/24"}
        p2 = {"ip": f"10.0.3.2{i:02}/32"}
        if i % 2 == 0:
            net.addLink(hosts[i], hosts[i + 1], params1=p1, params2=p2)
        else:
            net.addLink(hosts[i + 1], hosts[i], params1=p2, params2=p1)
    net.addLink(lg, hosts[0], intfName1="tx", intfName2="h1-lg", params1={"ip": "10.0.0.10/24"}, params2={"ip": "10.0.0.101/24"})
    net.addLink(hosts[6], lg, intfName1="h7-lg", intfName2="rx", params1={"ip": "10.0.2.101/24"})

    def configure():
        hosts[0].cmd('ip link set dev h1-lg address 3e:e5:a8:40:0d:00')
        lg.cmd('ip link set dev rx address 56:54:00:00:00:01')
        lg.cmd('ip route add 10.0.2.20/32 via 10.0.0.101')
        for i in range(6):
            hosts[i].cmd(f"ip route add 10.0.2.20/32 via 10.0.3.2{i:02}")
        hosts[6].cmd("ip neigh replace 10.0.2.20 lladdr 56:54:00:00:00:01 dev h7-lg nud permanent")
        for h in hosts:
            h.cmd(SYSCTLS)
            h.cmd("for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 > $f; done")
        lg.cmd("for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 > $f; done")
    return configure


def chain(net, n):
    hosts = [net.addHost(f"c{i}", ip=None) for i in range(n)]
    for i in range(n - 1):
        net.addLink(hosts[i], hosts[i + 1], params1={"ip": f"10.{i >> 8}.{i & 255}.1/24"}, params2={"ip": f"10.{i >> 8}.{i & 255}.2/24"})

    def configure():
        for h in hosts:
            h.cmd("sysctl -q -w net.ipv4.ip_forward=1")
    return configure


def main():
    setLogLevel("warning")
    what = sys.argv[1]
    t0 = time.monotonic()
    net = Mininet(topo=None, host=Host, link=Link, controller=None, build=False, autoSetMacs=False)
    try:
        configure = paper(net) if what == "paper" else chain(net, int(sys.argv[2]))
        net.build()
        net.start()
        configure()
        t1 = time.monotonic()
    finally:
        t_stop = time.monotonic()
        net.stop()
    t2 = time.monotonic()
    print(f"start {t1 - t0:.4f} stop {t2 - t_stop:.4f}", flush=True)


if __name__ == "__main__":
    main()
