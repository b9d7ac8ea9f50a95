package sandbox

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// The host reaches into a box's work directory through a directory handle
// opened once, when the box is new. Every name is resolved beneath it with
// openat2, refusing symbolic links, magic links (/proc/self/...) and mount
// crossings at any component, so whatever a program left behind cannot
// lead the host elsewhere. This spares the container's open protocol (a
// round trip and passing descriptors back) on every job.
const beneathWork = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS |
	unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV

// openWork opens the work directory of the container whose init is pid.
func openWork(initPid int) (*os.File, error) {
	fd, err := unix.Open(fmt.Sprintf("/proc/%d/root%s", initPid, WorkDir), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open the box's work directory: %w", err)
	}
	return os.NewFile(uintptr(fd), WorkDir), nil
}

// File is one file to place in the work directory.
type File struct {
	Name       string // relative to WorkDir, already validated
	Content    []byte
	Executable bool
}

// WriteFiles creates files (and their directories) in the work directory.
// It is meant for a fresh box, before any program runs: the files belong to
// the container's root, readable and writable by the program as if the
// container had created them (0666, 0777 when executable, directories
// 0777), whatever the server's umask.
func (b *Box) WriteFiles(files []File) error {
	for _, f := range files {
		if err := b.WriteFile(f); err != nil {
			return err
		}
	}
	return nil
}

// WriteFile is WriteFiles for one file.
func (b *Box) WriteFile(f File) error {
	if err := b.writeFile(f); err != nil {
		return fmt.Errorf("write %q into box: %w", f.Name, err)
	}
	return nil
}

func (b *Box) writeFile(f File) error {
	dir := int(b.work.Fd())
	parent, name := path.Split(f.Name)
	if parent != "" {
		fd, err := b.mkdirAll(strings.TrimSuffix(parent, "/"))
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		dir = fd
	}
	perm := uint32(0o666)
	if f.Executable {
		perm = 0o777
	}
	fd, err := unix.Openat2(dir, name, &unix.OpenHow{
		Flags:   unix.O_WRONLY | unix.O_CREAT | unix.O_EXCL | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Mode:    uint64(perm),
		Resolve: beneathWork,
	})
	if err != nil {
		return err
	}
	// The bare descriptor, not an os.File: nothing here waits, and the
	// file would cost a system call to learn its mode.
	defer unix.Close(fd)
	if err := unix.Fchmod(fd, perm); err != nil { // the umask took its share
		return err
	}
	return writeAll(fd, f.Content)
}

// writeAll writes data to the file fd, a regular file of a tmpfs.
func writeAll(fd int, data []byte) error {
	for len(data) > 0 {
		n, err := unix.Write(fd, data)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return err
		case n == 0:
			return io.ErrShortWrite
		}
		data = data[n:]
	}
	return nil
}

// mkdirAll creates the directories of dir (relative to the work
// directory) that do not exist yet, one component at a time, and returns
// an open handle of the last one.
func (b *Box) mkdirAll(dir string) (int, error) {
	parent := int(b.work.Fd())
	for comp := range strings.SplitSeq(dir, "/") {
		err := unix.Mkdirat(parent, comp, 0o777)
		created := err == nil
		if err != nil && !errors.Is(err, unix.EEXIST) {
			b.closeDir(parent)
			return -1, err
		}
		fd, err := unix.Openat2(parent, comp, &unix.OpenHow{
			Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC,
			Resolve: beneathWork,
		})
		b.closeDir(parent)
		if err != nil {
			return -1, err
		}
		if created { // give it the mode the umask cut
			if err := unix.Fchmod(fd, 0o777); err != nil {
				unix.Close(fd)
				return -1, err
			}
		}
		parent = fd
	}
	return parent, nil
}

// closeDir closes a directory handle of mkdirAll, not the work directory's.
func (b *Box) closeDir(fd int) {
	if fd != int(b.work.Fd()) {
		unix.Close(fd)
	}
}

// ReadFile reads a regular file of the work directory, at most max bytes.
// name is an absolute path under WorkDir. It is meant for a file a trusted
// tool (a compiler) just wrote, with every process of the box dead; a
// link, a FIFO or anything but a regular file is refused, never followed
// or waited on.
func (b *Box) ReadFile(name string, max int64) ([]byte, error) {
	rel, ok := strings.CutPrefix(name, WorkDir+"/")
	if !ok || rel == "" {
		return nil, fmt.Errorf("%q is not under %s", name, WorkDir)
	}
	fd, err := unix.Openat2(int(b.work.Fd()), rel, &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_CLOEXEC,
		Resolve: beneathWork,
	})
	if err != nil {
		return nil, fmt.Errorf("open %q in box: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%q is not a regular file", name)
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%q is %d bytes, more than %d", name, fi.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%q grew past %d bytes", name, max)
	}
	return data, nil
}

// maxReadDepth bounds how deep ReadFiles descends: a compiler's output
// tree (Java packages) is shallow; a deeper one is refused, not walked.
const maxReadDepth = 32

// ReadFiles reads every regular file of the work directory and its
// sub-directories, sorted by name within each directory, with the same
// care as ReadFile: nothing is followed (links and special files are
// skipped), and more than maxFiles files or maxBytes bytes in all is an
// error. It is meant for what a compiler left, with every process of the
// box dead.
func (b *Box) ReadFiles(maxFiles int, maxBytes int64) ([]File, error) {
	r := treeReader{maxFiles: maxFiles, maxBytes: maxBytes, budget: maxBytes}
	// The work directory's handle is O_PATH: open it again to list it.
	fd, err := unix.Openat2(int(b.work.Fd()), ".", &unix.OpenHow{
		Flags: unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: beneathWork,
	})
	if err != nil {
		return nil, fmt.Errorf("read the box's files: %w", err)
	}
	if err := r.walk(fd, "", 0); err != nil {
		return nil, fmt.Errorf("read the box's files: %w", err)
	}
	return r.files, nil
}

// treeReader gathers a directory tree within its bounds.
type treeReader struct {
	files    []File
	maxFiles int
	maxBytes int64
	budget   int64 // bytes left
}

// walk reads the directory open as fd (which it closes), named prefix.
func (r *treeReader) walk(fd int, prefix string, depth int) error {
	dir := os.NewFile(uintptr(fd), prefix)
	defer dir.Close()
	if depth > maxReadDepth {
		return fmt.Errorf("directories deeper than %d", maxReadDepth)
	}
	entries, err := dir.ReadDir(-1)
	if err != nil {
		return err
	}
	slices.SortFunc(entries, func(a, b os.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	for _, ent := range entries {
		switch {
		case ent.IsDir():
			sub, err := unix.Openat2(fd, ent.Name(), &unix.OpenHow{
				Flags: unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC, Resolve: beneathWork,
			})
			if err != nil {
				return err
			}
			if err := r.walk(sub, prefix+ent.Name()+"/", depth+1); err != nil {
				return err
			}
		case ent.Type().IsRegular():
			if err := r.read(fd, prefix, ent.Name()); err != nil {
				return err
			}
		}
	}
	return nil
}

// read reads one regular file of the directory fd into r.files.
func (r *treeReader) read(dirfd int, prefix, name string) error {
	if len(r.files) >= r.maxFiles {
		return fmt.Errorf("more than %d files", r.maxFiles)
	}
	fd, err := unix.Openat2(dirfd, name, &unix.OpenHow{
		Flags: unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_CLOEXEC, Resolve: beneathWork,
	})
	if err != nil {
		return fmt.Errorf("open %q: %w", prefix+name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return err
	case !fi.Mode().IsRegular():
		return nil // replaced since it was listed: skip it as a listing would
	case fi.Size() > r.budget:
		return fmt.Errorf("more than %d bytes in all", r.maxBytes)
	}
	data, err := io.ReadAll(io.LimitReader(f, r.budget+1))
	if err != nil {
		return err
	}
	if int64(len(data)) > r.budget {
		return fmt.Errorf("more than %d bytes in all", r.maxBytes)
	}
	r.budget -= int64(len(data))
	r.files = append(r.files, File{Name: prefix + name, Content: data, Executable: fi.Mode().Perm()&0o111 != 0})
	return nil
}
