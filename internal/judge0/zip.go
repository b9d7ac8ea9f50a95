package judge0

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"
)

// File is one file of additional_files, unpacked.
type File struct {
	Name    string
	Content []byte
}

// ZipLimits bound what additional_files may unpack to: a zip is
// hostile input (a small one may inflate to gigabytes).
type ZipLimits struct {
	MaxFiles     int   // regular files
	MaxBytes     int64 // all files unpacked, together
	MaxNameBytes int   // one path
}

// DefaultZipLimits are Judge0's max_extract_size (10240 KB) and bounds of
// our own on the count and the names.
func DefaultZipLimits() ZipLimits {
	return ZipLimits{MaxFiles: 64, MaxBytes: 10240 << 10, MaxNameBytes: 255}
}

// Unzip unpacks additional_files. Directories are implied by the files'
// paths; a path that is absolute, holds "..", a backslash or a control
// character, a symbolic link or any other special file, a duplicate, an
// encrypted entry and a zip over lim are refused: each is a 422 on
// additional_files.
func Unzip(data []byte, lim ZipLimits) ([]File, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, zipError("is not a valid zip archive")
	}
	var files []File
	seen := map[string]bool{}
	var total int64
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if !f.Mode().IsRegular() {
			return nil, zipError(fmt.Sprintf("holds %q, which is not a regular file (links are refused)", f.Name))
		}
		name, ok := cleanZipName(f.Name, lim.MaxNameBytes)
		if !ok || seen[name] {
			return nil, zipError(fmt.Sprintf("holds a file name that is not allowed: %q", f.Name))
		}
		seen[name] = true
		if len(files) == lim.MaxFiles {
			return nil, zipError(fmt.Sprintf("holds more than %d files", lim.MaxFiles))
		}
		content, err := readZipFile(f, lim.MaxBytes-total)
		if err != nil {
			return nil, err
		}
		total += int64(len(content))
		files = append(files, File{Name: name, Content: content})
	}
	return files, nil
}

// readZipFile inflates one entry, at most room bytes: the entry's
// declared size is not trusted.
func readZipFile(f *zip.File, room int64) ([]byte, error) {
	if f.Flags&0x1 != 0 {
		return nil, zipError(fmt.Sprintf("holds %q encrypted", f.Name))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, zipError(fmt.Sprintf("cannot open %q: %v", f.Name, err))
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, room+1))
	if err != nil {
		return nil, zipError(fmt.Sprintf("cannot unpack %q: %v", f.Name, err))
	}
	if int64(len(b)) > room {
		return nil, zipError("unpacks to more than the maximum extract size")
	}
	return b, nil
}

// cleanZipName checks an entry's path and returns it cleaned.
func cleanZipName(name string, maxBytes int) (string, bool) {
	if name == "" || len(name) > maxBytes || strings.HasPrefix(name, "/") || strings.ContainsRune(name, '\\') {
		return "", false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return "", false
		}
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", false
		}
	}
	clean := path.Clean(name)
	if clean == "." || strings.HasPrefix(clean, "../") {
		return "", false
	}
	return clean, true
}

func zipError(msg string) error { return ValidationErrors{"additional_files": {msg}} }
