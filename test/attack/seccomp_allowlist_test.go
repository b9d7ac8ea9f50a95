package attack

import (
	"testing"

	"github.com/coderacer/coderacer/test/testserver"
)

// TestSeccompAllowList: the seccomp policy is an allow-list, so a system
// call it does not name, whether a new kernel's (open_tree_attr,
// listmount, memfd_secret, mseal) or an old one no runtime needs
// (modify_ldt, the NUMA calls, migrate_pages, the kernel's AIO, whose
// io_setup draws on a limit the whole host shares), is ENOSYS, what a kernel
// without it answers, so libc and runtimes fall back. Call numbers that
// no kernel has assigned yet are ENOSYS too, whatever the future brings.
func TestSeccompAllowList(t *testing.T) {
	runAttacks(t, []attack{
		{
			name: "new_kernel_calls",
			req: cMain(`char *page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TRY("memfd_secret", syscall(447, 0));
	TRY("process_mrelease", syscall(448, -1, 0));
	TRY("set_mempolicy_home_node", syscall(450, (long)page, 4096, 0, 0));
	TRY("cachestat", syscall(451, 0, NULL, NULL, 0));
	TRY("map_shadow_stack", syscall(453, 0, 4096, 0));
	TRY("futex_wake", syscall(454, page, 1, 1, 0x2 /* FUTEX2_SIZE_U32 */));
	TRY("statmount", syscall(457, NULL, NULL, 0, 0));
	TRY("listmount", syscall(458, NULL, NULL, 0, 0));
	TRY("lsm_list_modules", syscall(461, NULL, NULL, 0));
	TRY("mseal", syscall(462, (long)page, 4096, 0));
	TRY("getxattrat", syscall(464, AT_FDCWD, "/w", 0, "user.x", NULL, 0));
	TRY("open_tree_attr", syscall(467, AT_FDCWD, "/w", 0, NULL, 0));
	TRY("file_getattr", syscall(468, AT_FDCWD, "/w", NULL, 0, 0));`),
			status: "OK",
			stdout: lines("memfd_secret ENOSYS", "process_mrelease ENOSYS", "set_mempolicy_home_node ENOSYS", "cachestat ENOSYS",
				"map_shadow_stack ENOSYS", "futex_wake ENOSYS", "statmount ENOSYS", "listmount ENOSYS", "lsm_list_modules ENOSYS",
				"mseal ENOSYS", "getxattrat ENOSYS", "open_tree_attr ENOSYS", "file_getattr ENOSYS"),
		},
		{
			name: "unassigned_call_numbers",
			req: cMain(`long nrs[] = {470, 471, 480, 500, 511, 512, 547, 600, 1000, 4096, 0x3fffffff};
	for (int i = 0; i < 11; i++) {
		errno = 0;
		long r = syscall(nrs[i], 0, 0, 0, 0, 0, 0);
		printf("call %ld %s\n", nrs[i], r < 0 ? errname(errno) : "OK");
	}`),
			status: "OK",
			stdout: lines("call 470 ENOSYS", "call 471 ENOSYS", "call 480 ENOSYS", "call 500 ENOSYS", "call 511 ENOSYS",
				"call 512 ENOSYS", "call 547 ENOSYS", "call 600 ENOSYS", "call 1000 ENOSYS", "call 4096 ENOSYS",
				"call 1073741823 ENOSYS"),
		},
		{
			name: "old_calls_no_runtime_needs",
			req: cMain(`static char buf[64];
	unsigned long mask = 0;
	TRY("modify_ldt_read", syscall(SYS_modify_ldt, 0, buf, sizeof buf));
	TRY("get_mempolicy", syscall(SYS_get_mempolicy, NULL, NULL, 0, NULL, 0));
	TRY("set_mempolicy", syscall(SYS_set_mempolicy, 0 /* MPOL_DEFAULT */, NULL, 0));
	TRY("mbind", syscall(SYS_mbind, buf, 0, 0, NULL, 0, 0));
	TRY("migrate_pages", syscall(SYS_migrate_pages, 0, 64, &mask, &mask));
	TRY("move_pages", syscall(SYS_move_pages, 0, 0, NULL, NULL, NULL, 0));
	TRY("process_madvise", syscall(440 /* process_madvise */, -1, NULL, 0, 0, 0));
	TRY("landlock_create_ruleset", syscall(444, NULL, 0, 1 /* LANDLOCK_CREATE_RULESET_VERSION */));
	TRY("sysfs", syscall(SYS_sysfs, 3 /* number of file systems */));
	TRY("ustat", syscall(SYS_ustat, 0, buf));
	TRY("shmat", syscall(SYS_shmat, 0, NULL, 0));
	TRY("msgrcv", syscall(SYS_msgrcv, 0, buf, 8, 0, 04000 /* IPC_NOWAIT */));
	TRY("mq_unlink", syscall(SYS_mq_unlink, "/q"));
	unsigned long ctx = 0;
	TRY("io_setup", syscall(SYS_io_setup, 64, &ctx));
	TRY("remap_file_pages", syscall(SYS_remap_file_pages, buf, 4096, 0, 0, 0));`),
			status: "OK",
			stdout: lines("modify_ldt_read ENOSYS", "get_mempolicy ENOSYS", "set_mempolicy ENOSYS", "mbind ENOSYS",
				"migrate_pages ENOSYS", "move_pages ENOSYS", "process_madvise ENOSYS", "landlock_create_ruleset ENOSYS",
				"sysfs ENOSYS", "ustat ENOSYS", "shmat ENOSYS", "msgrcv ENOSYS", "mq_unlink ENOSYS",
				"io_setup ENOSYS", "remap_file_pages ENOSYS"),
		},
	})
}

// TestAllowListRuntimesWork: the allow-list must not break what runtimes
// do beyond a hello world (which the language tests run for every one):
// threads, child processes, loopback sockets, numeric name resolution and
// the interface list (a NETLINK_ROUTE dump), in the runtimes that use the
// most of the kernel.
func TestAllowListRuntimesWork(t *testing.T) {
	runAttacks(t, []attack{
		{
			name: "go_goroutines_tcp_exec",
			req: testserver.Single("go", "main.go", `package main

import (
	"fmt"
	"io"
	"net"
	"os/exec"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	sum := make([]int, 8)
	for i := range sum {
		wg.Add(1)
		go func(i int) { defer wg.Done(); for j := 0; j < 1000000; j++ { sum[i] += j % 7 } }(i)
	}
	wg.Wait()
	fmt.Println("goroutines", sum[0] == sum[7])
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil { fmt.Println(err); return }
	go func() { c, err := l.Accept(); if err == nil { io.WriteString(c, "pong"); c.Close() } }()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil { fmt.Println(err); return }
	b, _ := io.ReadAll(c)
	fmt.Println("tcp", string(b))
	ifs, err := net.Interfaces() // a NETLINK_ROUTE dump
	for _, i := range ifs {
		fmt.Println("interface", i.Name, err)
	}
	out, err := exec.Command("/bin/sh", "-c", "echo child").Output()
	fmt.Printf("exec %q %v\n", out, err)
}
`),
			status: "OK",
			stdout: lines("goroutines true", "tcp pong", "interface lo <nil>", `exec "child\n" <nil>`),
		},
		{
			name: "java_threads_sockets",
			req: testserver.Single("java", "Main.java", `import java.net.*;
import java.io.*;
import java.util.concurrent.*;

public class Main {
    public static void main(String[] args) throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(4);
        Future<Integer> f = ex.submit(() -> 6 * 7);
        System.out.println("thread " + f.get());
        ex.shutdown();
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket c = s.accept()) { c.getOutputStream().write("pong".getBytes()); } catch (IOException e) { }
            });
            t.start();
            try (Socket c = new Socket(InetAddress.getLoopbackAddress(), s.getLocalPort())) {
                System.out.println("tcp " + new String(c.getInputStream().readAllBytes()));
            }
            t.join();
        }
        Process p = new ProcessBuilder("/bin/sh", "-c", "echo child").start();
        System.out.println("exec " + new String(p.getInputStream().readAllBytes()).trim() + " " + p.waitFor());
    }
}
`),
			status: "OK",
			stdout: lines("thread 42", "tcp pong", "exec child 0"),
		},
		{
			name: "node_workers_http_dns",
			req: testserver.Single("node", "main.js", `const { Worker } = require('worker_threads');
const http = require('http');
const dns = require('dns');
const { execFileSync } = require('child_process');
const os = require('os');
new Worker('require("worker_threads").parentPort.postMessage(6 * 7)', { eval: true }).on('message', (m) => {
  console.log('worker', m);
  const srv = http.createServer((req, res) => res.end('pong')).listen(0, '127.0.0.1', () => {
    http.get('http://127.0.0.1:' + srv.address().port + '/', (res) => {
      let body = '';
      res.on('data', (d) => body += d);
      res.on('end', () => {
        console.log('http', body);
        srv.close();
        dns.lookup('127.0.0.1', (err) => {
          console.log('dns', err ? err.code : 'OK');
          console.log('interfaces', Object.keys(os.networkInterfaces()).join(','));
          console.log('exec', execFileSync('/bin/sh', ['-c', 'echo child']).toString().trim());
        });
      });
    });
  });
});
`),
			status: "OK",
			stdout: lines("worker 42", "http pong", "dns OK", "interfaces lo", "exec child"),
		},
		{
			name: "python_threads_subprocess_asyncio",
			req: python(`import asyncio, socket, subprocess, threading
out = []
ts = [threading.Thread(target=out.append, args=(i,)) for i in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print("threads", sorted(out))
print("exec", subprocess.run(["/bin/sh", "-c", "echo child"], capture_output=True, text=True).stdout.strip())
print("resolve", socket.getaddrinfo("127.0.0.1", 80, type=socket.SOCK_STREAM)[0][4][1])
print("interfaces", socket.if_nameindex())
async def main():
    async def handle(r, w):
        w.write(b"pong"); await w.drain(); w.close()
    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    r, w = await asyncio.open_connection("127.0.0.1", srv.sockets[0].getsockname()[1])
    print("asyncio", (await r.read()).decode())
    srv.close()
asyncio.run(main())
`),
			status: "OK",
			stdout: lines("threads [0, 1, 2, 3]", "exec child", "resolve 80", "interfaces [(1, 'lo')]", "asyncio pong"),
		},
		{
			name: "rust_threads_tcp",
			req: testserver.Single("rust", "main.rs", `use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

fn main() {
    let hs: Vec<_> = (0..4).map(|i| thread::spawn(move || i * 2)).collect();
    let s: i32 = hs.into_iter().map(|h| h.join().unwrap()).sum();
    println!("threads {}", s);
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let t = thread::spawn(move || { let (mut c, _) = l.accept().unwrap(); c.write_all(b"pong").unwrap(); });
    let mut c = TcpStream::connect(addr).unwrap();
    let mut b = String::new();
    c.read_to_string(&mut b).unwrap();
    t.join().unwrap();
    println!("tcp {}", b);
    let o = std::process::Command::new("/bin/sh").args(["-c", "echo child"]).output().unwrap();
    println!("exec {}", String::from_utf8_lossy(&o.stdout).trim());
}
`),
			status: "OK",
			stdout: lines("threads 12", "tcp pong", "exec child"),
		},
		{
			name: "csharp_tasks",
			req: testserver.Single("csharp", "main.cs", `using System;
using System.Threading.Tasks;
using System.Net;
using System.Net.Sockets;

class Program {
    static void Main() {
        var t = Task.Run(() => 6 * 7);
        Console.WriteLine("task " + t.Result);
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        var c = new TcpClient();
        c.Connect(IPAddress.Loopback, port);
        var s = l.AcceptTcpClient();
        s.GetStream().Write(new byte[] { 112, 111, 110, 103 }, 0, 4);
        var b = new byte[4];
        c.GetStream().Read(b, 0, 4);
        Console.WriteLine("tcp " + System.Text.Encoding.ASCII.GetString(b));
    }
}
`),
			status: "OK",
			stdout: lines("task 42", "tcp pong"),
		},
	})
}

// TestInotifyRefused: inotify watches on the read-only binds every box
// shares (/usr) would show a program which files a concurrent run opens
// (Python's imports, a compiler's headers). inotify is ENOSYS, as on a
// kernel built without it, so file-watching libraries fall back to
// polling; fanotify_init stays EPERM and fanotify_mark is ENOSYS. No watch
// can be made, through either ABI.
func TestInotifyRefused(t *testing.T) {
	runAttacks(t, []attack{
		{
			name: "inotify_calls",
			req: cMain(`int nfd = open("/dev/null", O_RDONLY);
	TRY("inotify_init", syscall(SYS_inotify_init));
	TRY("inotify_init1", syscall(SYS_inotify_init1, O_CLOEXEC | O_NONBLOCK));
	TRY("inotify_add_watch", syscall(SYS_inotify_add_watch, nfd, "/usr/lib", 0x20 /* IN_OPEN */));
	TRY("inotify_rm_watch", syscall(SYS_inotify_rm_watch, nfd, 1));
	TRY("fanotify_init", syscall(SYS_fanotify_init, 0, O_RDONLY));
	TRY("fanotify_mark", syscall(SYS_fanotify_mark, nfd, 1, 0x20, AT_FDCWD, "/usr"));
	TRY32("i386_inotify_init", sc32(291, 0, 0, 0, 0, 0));
	TRY32("i386_inotify_init1", sc32(332, 0, 0, 0, 0, 0));`),
			status: "OK",
			stdout: lines("inotify_init ENOSYS", "inotify_init1 ENOSYS", "inotify_add_watch ENOSYS", "inotify_rm_watch ENOSYS",
				"fanotify_init EPERM", "fanotify_mark ENOSYS", "i386_inotify_init ENOSYS", "i386_inotify_init1 ENOSYS"),
		},
		{
			// The attack itself: watch the shared binaries and see an open.
			name: "watch_shared_bind",
			req: cMain(`int fd = syscall(SYS_inotify_init1, O_NONBLOCK);
	if (fd < 0) { printf("inotify_init1 %s\n", errname(errno)); return 0; }
	int w = syscall(SYS_inotify_add_watch, fd, "/usr/bin", 0x20 /* IN_OPEN */);
	printf("watch /usr/bin %s\n", w < 0 ? errname(errno) : "OK");
	close(open("/usr/bin/env", O_RDONLY));
	char ev[4096];
	long n = read(fd, ev, sizeof ev);
	printf("events %s\n", n > 0 ? "SEEN" : errname(errno));`),
			status: "OK",
			stdout: lines("inotify_init1 ENOSYS"),
		},
		{
			name: "python_inotify",
			req: python(`import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for name in ("inotify_init", "inotify_init1"):
    fd = getattr(libc, name)(0) if name == "inotify_init1" else libc.inotify_init()
    print(name, "OK" if fd >= 0 else os.strerror(ctypes.get_errno()))
`),
			status: "OK",
			stdout: lines("inotify_init Function not implemented", "inotify_init1 Function not implemented"),
		},
	})
}
