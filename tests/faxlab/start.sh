#!/usr/bin/env bash
# A fax loop for tests: HylaFAX (faxq, hfaxd) with two iaxmodems that dial each other on loopback.
# Run inside private network and mount namespaces (see tests/faxlab.py): the host's /etc, /dev and
# spool are never written, and nothing leaves the namespace. Prints READY when both modems are idle,
# then waits until it is killed.
#   unshare --net --mount --propagation private --fork bash start.sh WORKDIR
set -euo pipefail
work=$1
mkdir -p "$work"
ip link set lo up

# Private copies of everything the daemons write: the spool, HylaFAX's and iaxmodem's config, /dev.
cp -a /var/spool/hylafax "$work/spool"
cp -a /etc/hylafax "$work/etc-hylafax"
mkdir -p "$work/etc-iaxmodem"
mount --bind "$work/spool" /var/spool/hylafax
mount --bind "$work/etc-hylafax" /etc/hylafax
mkdir -p /etc/iaxmodem
mount --bind "$work/etc-iaxmodem" /etc/iaxmodem
# The modems' devices live in the private spool (not /dev): HylaFAX names such a device by its path.
devid() { echo "_var_spool_hylafax_dev_ttyIAX$1"; }
printf '127.0.0.1\nlocalhost\n' > /etc/hylafax/hosts.hfaxd
for n in 0 1; do
  port=$((4570 - n))   # the sender (ttyIAX0) on 4570 dials the receiver (ttyIAX1) on 4569
  cat > "/etc/iaxmodem/ttyIAX$n" <<CFG
device /var/spool/hylafax/dev/ttyIAX$n
owner uucp:uucp
mode 660
port $port
refresh 0
server 127.0.0.1
peername iaxmodem$n
secret password
cidname faxcampaign test $n
cidnumber 10000$n
codec slinear
CFG
  sed -e 's/^CountryCode:.*/CountryCode:\t\t44/' -e 's/^AreaCode:.*/AreaCode:\t\t20/' \
      -e 's/^LongDistancePrefix:.*/LongDistancePrefix:\t0/' -e 's/^InternationalPrefix:.*/InternationalPrefix:\t00/' \
      -e "s/^LocalIdentifier:.*/LocalIdentifier:\t\"faxcampaign test $n\"/" \
      -e "s/^FAXNumber:.*/FAXNumber:\t\t+44.20.0000.000$n/" \
      /usr/share/doc/iaxmodem/examples/config.ttyIAX > "/etc/hylafax/config.$(devid $n)"
done
echo "ModemReadyState: D" >> "/etc/hylafax/config.$(devid 1)"   # the receiver never sends
cp -a /etc/hylafax/. /var/spool/hylafax/etc/
chown -R uucp:uucp /var/spool/hylafax/etc

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; }
trap cleanup EXIT TERM INT

/usr/sbin/faxq -D & pids+=($!)
/usr/sbin/hfaxd -d -i 4559 -l 127.0.0.1 > "$work/hfaxd.log" 2>&1 & pids+=($!)
for n in 0 1; do
  stdbuf -oL /usr/bin/iaxmodem "ttyIAX$n" > "$work/iaxmodem$n.log" 2>&1 & pids+=($!)
done
for _ in $(seq 100); do [ -e /var/spool/hylafax/dev/ttyIAX0 ] && [ -e /var/spool/hylafax/dev/ttyIAX1 ] && break; sleep 0.1; done
for n in 0 1; do
  /usr/sbin/faxgetty "/var/spool/hylafax/dev/ttyIAX$n" > "$work/faxgetty$n.log" 2>&1 & pids+=($!)
  echo $! > "$work/faxgetty$n.pid"
done
for _ in $(seq 300); do
  idle=$(faxstat -h 127.0.0.1 -a 2>/dev/null | grep -c "Running and idle" || true)
  [ "$idle" = 2 ] && break
  sleep 0.2
done
faxstat -h 127.0.0.1 -a
echo READY
wait
