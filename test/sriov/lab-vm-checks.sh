#!/bin/sh
# Runs INSIDE `hynet lab sriov` (test/sriov/lab.test.ts): a VM host's hwpair end is a VF passed
# through with vfio-pci. The guest is QEMU inside the lab's QEMU (TCG in TCG): the test asserts
# the binding and that QEMU runs with the device; the guest's traffic only if it boots in time.
cat >/tmp/vmpt.yaml <<'YAML'
name: vmpt
hosts:
  n1: {}
  g1: { kind: vm, memory: 192M, params: { boot_timeout: 150 } }
links:
  - { a: { node: n1, ifname: to-g1, addrs: 10.7.0.1/24 }, b: { node: g1, ifname: up0, addrs: 10.7.0.2/24 } }
YAML
numvfs() { cat /sys/class/net/$1/device/sriov_numvfs; }
# VFs an admin made before: hynet uses them as they are, and must give VF 0 back to igbvf afterwards.
echo 7 >/sys/class/net/eth0/device/sriov_numvfs
echo 7 >/sys/class/net/eth1/device/sriov_numvfs
sleep 2
timeout 240 hynet up /tmp/vmpt.yaml --link-kind hwpair --prefix hwv >/tmp/vmup.txt 2>&1 &
up=$!
i=0
while [ $i -lt 1200 ] && ! pgrep -f 'vfio-pci,host=' >/dev/null; do sleep 0.2; i=$((i + 1)); done
bdf=$(basename "$(readlink /sys/class/net/eth1/device/virtfn0)")
echo "CHECK vm-vf-driver $(basename "$(readlink /sys/bus/pci/devices/$bdf/driver)")"
echo "CHECK vm-vf-override $(cat /sys/bus/pci/devices/$bdf/driver_override)"
sleep 15
echo "CHECK vm-qemu-vfio $(pgrep -fc "vfio-pci,host=$bdf")"
if wait $up; then
  echo "CHECK vm-up 0"
  hynet exec n1 -- ping -c 3 -i 0.5 -W 3 10.7.0.2 >/dev/null 2>&1
  echo "CHECK vm-ping $?"
  hynet down
else
  echo "CHECK vm-up not-in-time"
  tail -5 /tmp/vmup.txt
  hynet clean --force >/dev/null 2>&1
fi
hynet clean >/dev/null 2>&1
echo "CHECK vm-vf-after $(basename "$(readlink /sys/bus/pci/devices/$bdf/driver 2>/dev/null)" 2>/dev/null)"
echo "CHECK vm-numvfs-after $(numvfs eth0),$(numvfs eth1)"
echo "CHECK vm-netns-after $(ip netns list | wc -l)"
echo 0 >/sys/class/net/eth0/device/sriov_numvfs
echo 0 >/sys/class/net/eth1/device/sriov_numvfs
