package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/criyle/go-sandbox/pkg/mount"
	"golang.org/x/sys/unix"
)

// NetworkConfig enables runs with network access (AcquireNetwork). Such a
// run gets a fresh box whose network namespace holds one end of a veth
// pair, an IPv4 address of Subnet and a default route through the host,
// which forwards and masquerades what it sends to allowed destinations
// only (see networkRules).
type NetworkConfig struct {
	// Subnet is the IPv4 pool of the veth pairs, carved into /30s. It is
	// always denied as a destination.
	Subnet netip.Prefix
	// Deny lists destinations no network run may reach. Link-local
	// (169.254.0.0/16) and Subnet are added whatever it says.
	Deny []netip.Prefix
	// DNS are the nameservers written into network boxes' /etc/resolv.conf;
	// they are reachable on port 53 even when Deny covers them.
	DNS []netip.Addr
}

// DefaultNetworkSubnet is the pool of network boxes' addresses unless
// configured.
// (Not podman's 10.88.0.0/16 nor Docker's 172.17-31 or 192.168 pools:
// startNetwork refuses a subnet the host routes already.)
var DefaultNetworkSubnet = netip.MustParsePrefix("10.211.0.0/16")

// DefaultNetworkDeny are the private and special IPv4 ranges, which no
// network run reaches unless configured otherwise.
var DefaultNetworkDeny = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

// linkLocal holds the cloud metadata services (169.254.169.254): denied
// whatever the configuration says.
var linkLocal = netip.MustParsePrefix("169.254.0.0/16")

// Where the network's tools and files are. Fixed paths: the server's PATH
// decides nothing.
const (
	nftPath     = "/usr/sbin/nft"
	ipPath      = "/usr/sbin/ip"
	nsenterPath = "/usr/bin/nsenter"
	// netTable is the nftables table of ours; no other table is touched.
	netTable = "coderacer"
	// vethPrefix names the host ends of the veth pairs (vethPrefix + box
	// index), which the rules match by this prefix.
	vethPrefix = "crnet"
	// netLockPath is held (flock) by the server that owns netTable: one
	// server with network per host. A table found by the holder is a
	// crashed server's leftover and is replaced.
	netLockPath   = "/run/coderacer/network.lock"
	netFilesDir   = "/run/coderacer/network"
	ipForwardPath = "/proc/sys/net/ipv4/ip_forward"
)

// ErrNoNetwork is returned by AcquireNetwork when the pool was made without
// a NetworkConfig.
var ErrNoNetwork = errors.New("sandbox: network runs are not enabled")

// network is the host's side of the network runs: the nftables table, the
// forwarding switch and the pool of /30s.
type network struct {
	cfg    NetworkConfig
	log    *slog.Logger
	lock   *os.File
	mounts []mount.Mount // a network box's: the pool's plus /etc files
	mu     sync.Mutex
	next   uint32          // the /30 to try next, round robin
	used   map[uint32]bool // /30s of boxes alive
}

// boxNetwork is one network box's veth pair.
type boxNetwork struct {
	hostIf string
	slot   uint32 // its /30 in the pool
}

// CheckNetworkConfig checks cfg against a pool of size boxes.
func CheckNetworkConfig(cfg NetworkConfig, size int) error {
	if !cfg.Subnet.IsValid() || !cfg.Subnet.Addr().Is4() || cfg.Subnet.Bits() > 30 {
		return fmt.Errorf("network subnet %v: must be an IPv4 prefix of /30 or larger", cfg.Subnet)
	}
	if slots := uint64(1) << (30 - cfg.Subnet.Bits()); slots < uint64(size) {
		return fmt.Errorf("network subnet %v holds %d boxes of 4 addresses, fewer than the %d sandboxes", cfg.Subnet, slots, size)
	}
	for _, p := range cfg.Deny {
		if !p.IsValid() || !p.Addr().Is4() {
			return fmt.Errorf("network deny list: %v is not an IPv4 prefix (network runs have IPv4 only)", p)
		}
	}
	for _, a := range cfg.DNS {
		if !a.Is4() || a.IsLoopback() || linkLocal.Contains(a) || cfg.Subnet.Contains(a) {
			return fmt.Errorf("network DNS %v: must be an IPv4 address outside loopback, link-local and the network subnet", a)
		}
	}
	return nil
}

// startNetwork takes the host's network lock, installs the table, turns
// forwarding on and writes the files network boxes bind.
func startNetwork(cfg NetworkConfig, size int, poolMounts []mount.Mount, log *slog.Logger) (*network, error) {
	if err := CheckNetworkConfig(cfg, size); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	for _, tool := range []struct{ path, pkg string }{{nftPath, "nftables"}, {ipPath, "iproute2"}, {nsenterPath, "util-linux"}} {
		if _, err := os.Stat(tool.path); err != nil {
			return nil, fmt.Errorf("sandbox: network runs need %s (install the %s package): %w", tool.path, tool.pkg, err)
		}
	}
	lock, err := lockNetwork()
	if err != nil {
		return nil, err
	}
	n := &network{cfg: cfg, log: log, lock: lock, used: make(map[uint32]bool)}
	fail := func(err error) (*network, error) {
		n.close()
		return nil, err
	}
	if err := checkSubnetFree(cfg.Subnet); err != nil {
		return fail(err)
	}
	if n.mounts, err = networkMounts(poolMounts, cfg.DNS); err != nil {
		return fail(err)
	}
	if err := runTool([]byte(networkRules(cfg)), nftPath, "-f", "-"); err != nil {
		return fail(fmt.Errorf("sandbox: install nftables table inet %s: %w", netTable, err))
	}
	if err := n.enableForwarding(); err != nil {
		return fail(err)
	}
	if len(cfg.DNS) == 0 {
		log.Warn("network runs have no DNS server: /etc/resolv.conf names none (set CODERACER_NETWORK_DNS)")
	}
	return n, nil
}

// lockNetwork takes the host-wide lock of the network table.
func lockNetwork() (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(netLockPath), 0o755); err != nil {
		return nil, fmt.Errorf("sandbox: network lock: %w", err)
	}
	f, err := os.OpenFile(netLockPath, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("sandbox: network lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(netLockPath)
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("sandbox: another Code Racer server on this host (pid %s) has network runs enabled; only one may",
				strings.TrimSpace(string(holder)))
		}
		return nil, fmt.Errorf("sandbox: network lock: %w", err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// networkMounts are a network box's mounts: the pool's, plus a
// resolv.conf naming dns and a hosts file for localhost, both read-only,
// and the host's CA certificates, without which no TLS client works.
func networkMounts(pool []mount.Mount, dns []netip.Addr) ([]mount.Mount, error) {
	if err := os.MkdirAll(netFilesDir, 0o755); err != nil {
		return nil, fmt.Errorf("sandbox: network files: %w", err)
	}
	var resolv strings.Builder
	resolv.WriteString("# written by Code Racer for network runs\n")
	for _, a := range dns {
		fmt.Fprintf(&resolv, "nameserver %s\n", a)
	}
	files := []struct{ name, content string }{
		{"resolv.conf", resolv.String()},
		{"hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n"},
	}
	b := mount.NewBuilder()
	b.Mounts = append(b.Mounts, pool...)
	for _, f := range files {
		path := filepath.Join(netFilesDir, f.name)
		if err := os.WriteFile(path, []byte(f.content), 0o644); err != nil {
			return nil, fmt.Errorf("sandbox: network files: %w", err)
		}
		b.WithBind(path, "etc/"+f.name, true)
	}
	b.WithBind("/etc/ssl/certs", "etc/ssl/certs", true)
	return b.FilterNotExist().Mounts, nil
}

// enableForwarding turns IPv4 forwarding on, host-wide, if it is off. It
// stays on after shutdown, as Docker, podman and libvirt leave it: they
// turn it on too and rely on it, and turning it off under them would cut
// their containers off. The log says what it was.
func (n *network) enableForwarding() error {
	was, err := os.ReadFile(ipForwardPath)
	if err != nil {
		return fmt.Errorf("sandbox: read %s: %w", ipForwardPath, err)
	}
	if strings.TrimSpace(string(was)) == "1" {
		return nil
	}
	if err := os.WriteFile(ipForwardPath, []byte("1"), 0o644); err != nil {
		return fmt.Errorf("sandbox: enable IPv4 forwarding (%s): %w", ipForwardPath, err)
	}
	n.log.Warn("net.ipv4.ip_forward was 0: set to 1 for network runs, host-wide; it stays 1 after shutdown")
	return nil
}

// close removes the table and releases the lock. The veth pairs are gone
// already: each went with its box.
func (n *network) close() error {
	var errs []error
	if err := runTool(nil, nftPath, "delete", "table", "inet", netTable); err != nil && !strings.Contains(err.Error(), "No such file") {
		errs = append(errs, fmt.Errorf("delete nftables table inet %s: %w", netTable, err))
	}
	_ = os.RemoveAll(netFilesDir)
	if n.lock != nil {
		n.lock.Close()
	}
	return errors.Join(errs...)
}

// addrs are the host's and the box's addresses of /30 number slot.
func (n *network) addrs(slot uint32) (host, box netip.Addr) {
	base := n.cfg.Subnet.Masked().Addr().As4()
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	v += slot * 4
	h := [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v) + 1}
	b := h
	b[3]++
	return netip.AddrFrom4(h), netip.AddrFrom4(b)
}

// takeSlot picks a free /30, round robin over the whole pool: an address
// comes back only after every other one was used, so what the host's
// connection tracking remembers of a run's flows has long expired (or
// finds no socket) when another run gets the address.
func (n *network) takeSlot() uint32 {
	n.mu.Lock()
	defer n.mu.Unlock()
	count := uint32(1) << (30 - n.cfg.Subnet.Bits())
	for {
		s := n.next % count
		n.next = s + 1
		if !n.used[s] {
			n.used[s] = true
			return s
		}
	}
}

func (n *network) freeSlot(slot uint32) {
	n.mu.Lock()
	delete(n.used, slot)
	n.mu.Unlock()
}

// attach gives the box of index and init pid a veth pair: eth0 inside with
// the box's address and a default route through the host's end. No IPv6
// address is made on either end (addrgenmode none): network runs have
// IPv4 only.
func (n *network) attach(index, initPid int) (*boxNetwork, error) {
	bn := &boxNetwork{hostIf: vethPrefix + strconv.Itoa(index), slot: n.takeSlot()}
	host, box := n.addrs(bn.slot)
	hostCmds := fmt.Sprintf("link add %s type veth peer name eth0 netns %d\n"+
		"link set %[1]s addrgenmode none\naddr add %[3]s/30 dev %[1]s\nlink set %[1]s up\n", bn.hostIf, initPid, host)
	if err := runTool([]byte(hostCmds), ipPath, "-batch", "-"); err != nil {
		n.freeSlot(bn.slot)
		// A leftover of a box that died without detach would be in the way.
		_ = runTool(nil, ipPath, "link", "del", bn.hostIf)
		return nil, fmt.Errorf("veth %s: %w", bn.hostIf, err)
	}
	boxCmds := fmt.Sprintf("link set eth0 addrgenmode none\naddr add %s/30 dev eth0\nlink set eth0 up\nroute add default via %s\n", box, host)
	if err := runTool([]byte(boxCmds), nsenterPath, "--net=/proc/"+strconv.Itoa(initPid)+"/ns/net", ipPath, "-batch", "-"); err != nil {
		n.detach(bn)
		return nil, fmt.Errorf("configure eth0 in the box: %w", err)
	}
	return bn, nil
}

// detach removes a box's veth pair (both ends go together) and frees its
// addresses.
func (n *network) detach(bn *boxNetwork) {
	if err := runTool(nil, ipPath, "link", "del", bn.hostIf); err != nil && !strings.Contains(err.Error(), "Cannot find device") {
		n.log.Error("remove a network box's veth", "veth", bn.hostIf, "err", err)
	}
	n.freeSlot(bn.slot)
}

// runTool runs one of the network tools with stdin, its error carrying
// what the tool said.
func runTool(stdin []byte, path string, args ...string) error {
	cmd := exec.Command(path, args...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", filepath.Base(path), strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// UsableNameservers are the nameservers of a resolv.conf text a network
// box can reach: IPv4, not loopback (a resolver on the host's loopback,
// such as systemd-resolved's 127.0.0.53, is the host's own), not
// link-local, not in the box pool.
func UsableNameservers(resolvConf string, subnet netip.Prefix) []netip.Addr {
	var dns []netip.Addr
	for _, line := range strings.Split(resolvConf, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "nameserver" {
			continue
		}
		a, err := netip.ParseAddr(f[1])
		if err != nil || !a.Is4() || a.IsLoopback() || linkLocal.Contains(a) || subnet.Contains(a) {
			continue
		}
		dns = append(dns, a)
	}
	return dns
}

// checkSubnetFree fails if the host routes any part of subnet already (a
// container network, a VPN, a LAN): boxes' addresses and routes would
// clash with it.
func checkSubnetFree(subnet netip.Prefix) error {
	out, err := exec.Command(ipPath, "-4", "-o", "route", "show", "table", "all").Output()
	if err != nil {
		return fmt.Errorf("sandbox: list the host's routes: %w", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && routeTypes[f[0]] {
			f = f[1:]
		}
		if len(f) == 0 || f[0] == "default" {
			continue
		}
		dst, err := netip.ParsePrefix(f[0])
		if err != nil {
			a, aerr := netip.ParseAddr(f[0])
			if aerr != nil {
				continue
			}
			dst = netip.PrefixFrom(a, a.BitLen())
		}
		if dst.Overlaps(subnet) {
			return fmt.Errorf("sandbox: network subnet %v overlaps the host's route %q: choose another (CODERACER_NETWORK_SUBNET)", subnet, strings.TrimSpace(line))
		}
	}
	return nil
}

// routeTypes are the words `ip route` may put before a destination.
var routeTypes = map[string]bool{"unicast": true, "local": true, "broadcast": true, "multicast": true,
	"anycast": true, "unreachable": true, "blackhole": true, "prohibit": true, "throw": true, "nat": true}
