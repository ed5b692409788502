#!/bin/sh
# Runs INSIDE `hynet lab sriov` (test/sriov/lab.test.ts): real igb VFs, real namespaces.
# Prints "CHECK <name> <value>" lines the test asserts on; everything else is context.
T=examples/paper/topology.yaml
numvfs() { cat /sys/class/net/$1/device/sriov_numvfs; }
echo "CHECK numvfs-before $(numvfs eth0),$(numvfs eth1),$(numvfs eth2),$(numvfs eth3)"

hynet up $T --link-kind hwpair --prefix hwt
echo "CHECK up $?"
echo "CHECK numvfs-up $(numvfs eth0),$(numvfs eth1),$(numvfs eth2),$(numvfs eth3)"
ip -j -d link show eth0 | grep -o '"vfinfo_list":\[{[^}]*' | head -c 300; echo
echo "CHECK vf0-settings $(ip link show eth0 | grep -c 'vf 0 .*vlan 1, spoof checking off.*trust on')"
echo "CHECK h1-lg-mac $(hynet exec h1 -- cat /sys/class/net/h1-lg/address)"
echo "CHECK h1-lg-driver $(hynet exec h1 -- sh -c 'basename $(readlink /sys/class/net/h1-lg/device/driver)')"

# Test traffic from lg's tx through h1…h7 to lg's rx: 7 routers, so TTL 64 arrives as 57.
hynet exec lg -- timeout 60 tcpdump -l -n -v -i rx -c 3 icmp >/tmp/rx.txt 2>/dev/null &
cap=$!
sleep 8
hynet exec lg -- ping -c 6 -i 0.5 -W 1 10.0.2.20 >/dev/null
wait $cap
echo "CHECK rx-ttl57 $(grep -c 'ttl 57' /tmp/rx.txt)"
cat /tmp/rx.txt | head -4

# Another VF on the cable of h7's link, on another VLAN, must not reach h7's end; on that link's VLAN it does.
vlan=$(ip link show eth2 | sed -n 's/.*vf 0 .*vlan \([0-9]*\),.*/\1/p')
ip netns add hwx
dev=$(ls /sys/class/net/eth3/device/virtfn3/net/)
ip link set eth3 vf 3 vlan 99 spoofchk off trust on
ip link set dev "$dev" netns hwx name x0
ip -n hwx link set x0 up
ip -n hwx addr add 10.0.2.77/24 dev x0
ip netns exec hwx ping -c 3 -i 0.5 -W 1 10.0.2.101 >/dev/null 2>&1
echo "CHECK other-vlan-ping $?"
ip link set eth3 vf 3 vlan "$vlan"
ip netns exec hwx ping -c 3 -i 0.5 -W 2 10.0.2.101 >/dev/null 2>&1
echo "CHECK same-vlan-ping $?"
ip netns del hwx

hynet down
echo "CHECK down $?"
echo "CHECK numvfs-down $(numvfs eth0),$(numvfs eth1),$(numvfs eth2),$(numvfs eth3)"
echo "CHECK netns-down $(ip netns list | wc -l)"

# kill -9 while `hynet up` provisions, then `hynet clean`.
hynet up $T --link-kind hwpair --prefix hwk &
pid=$!
i=0
while [ $i -lt 600 ] && ! grep -q sriov-vf /run/hynet/hwk.jsonl 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
kill -9 $pid
wait $pid 2>/dev/null
echo "CHECK killed-numvfs $(numvfs eth0)"
hynet clean
echo "CHECK clean $?"
echo "CHECK numvfs-clean $(numvfs eth0),$(numvfs eth1),$(numvfs eth2),$(numvfs eth3)"
echo "CHECK netns-clean $(ip netns list | wc -l)"
echo "CHECK pfs-clean $(ip -br link | grep -c '^eth')"
