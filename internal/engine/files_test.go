package engine

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"testing"
	"unicode/utf8"
)

func filesNamed(names ...string) []File {
	files := make([]File, len(names))
	for i, n := range names {
		files[i] = File{Name: n, Content: []byte("x")}
	}
	return files
}

func TestValidateFiles(t *testing.T) {
	many := func(n int) []File {
		files := make([]File, n)
		for i := range files {
			files[i] = File{Name: fmt.Sprintf("f%d.py", i)}
		}
		return files
	}
	tests := []struct {
		name       string
		files      []File
		entrypoint string
		maxFiles   int
		wantErr    string // exact Error(); empty means valid
	}{
		{"single", filesNamed("main.py"), "main.py", 100, ""},
		{"subdirectories", filesNamed("main.py", "pkg/util.py", "pkg/sub/x.py"), "main.py", 100, ""},
		{"entrypoint in subdirectory", filesNamed("src/Main.java"), "src/Main.java", 100, ""},
		{"unicode", filesNamed("héllo/世界.py"), "héllo/世界.py", 100, ""},
		{"dotfile", filesNamed(".env", "a/.hidden", "..x", "x.."), ".env", 100, ""},
		{"spaces", filesNamed("my file.py"), "my file.py", 100, ""},
		{"sibling prefixes are not directories", filesNamed("a", "ab/c", "a.b"), "a", 100, ""},
		{"exactly max", many(100), "f0.py", 100, ""},
		{"zero max means default", many(100), "f0.py", 0, ""},
		{"component at bound", filesNamed(strings.Repeat("a", 255)), strings.Repeat("a", 255), 100, ""},
		{"name at bound", filesNamed(strings.Repeat("a/", 511) + "bb"), strings.Repeat("a/", 511) + "bb", 100, ""},

		{"no files", nil, "main.py", 100, "at least one file is required"},
		{"empty slice", []File{}, "main.py", 100, "at least one file is required"},
		{"too many", many(101), "f0.py", 100, "too many files: 101, the maximum is 100"},
		{"too many default", many(101), "f0.py", 0, "too many files: 101, the maximum is 100"},
		{"small max", many(3), "f0.py", 2, "too many files: 3, the maximum is 2"},
		{"empty name", filesNamed("main.py", ""), "main.py", 100, "a file name is empty"},
		{"NUL", filesNamed("ma\x00in.py"), "ma\x00in.py", 100, `invalid file name "ma\x00in.py": contains control character U+0000`},
		{"newline", filesNamed("a\nb"), "a\nb", 100, `invalid file name "a\nb": contains control character U+000A`},
		{"escape", filesNamed("\x1b[31mred"), "\x1b[31mred", 100, `invalid file name "\x1b[31mred": contains control character U+001B`},
		{"DEL", filesNamed("a\x7f"), "a\x7f", 100, `invalid file name "a\x7f": contains control character U+007F`},
		{"C1 control", filesNamed("a\u0085b"), "a\u0085b", 100, `invalid file name "a\u0085b": contains control character U+0085`},
		{"invalid UTF-8", filesNamed("a\xffb"), "a\xffb", 100, `invalid file name "a\xffb": not valid UTF-8`},
		{"backslash", filesNamed(`a\b.py`), `a\b.py`, 100, `invalid file name "a\\b.py": contains a backslash`},
		{"absolute", filesNamed("/etc/passwd"), "/etc/passwd", 100, `invalid file name "/etc/passwd": is absolute`},
		{"root", filesNamed("/"), "/", 100, `invalid file name "/": is absolute`},
		{"option", filesNamed("-c"), "-c", 100, `invalid file name "-c": starts with "-"`},
		{"option in a directory", filesNamed("src/-x.py"), "src/-x.py", 100, ""},
		{"double slash", filesNamed("a//b"), "a//b", 100, `invalid file name "a//b": has an empty path component`},
		{"trailing slash", filesNamed("a/"), "a/", 100, `invalid file name "a/": has an empty path component`},
		{"dot", filesNamed("."), ".", 100, `invalid file name ".": contains "."`},
		{"dot component", filesNamed("a/./b"), "a/./b", 100, `invalid file name "a/./b": contains "."`},
		{"leading dot component", filesNamed("./a"), "./a", 100, `invalid file name "./a": contains "."`},
		{"dotdot", filesNamed(".."), "..", 100, `invalid file name "..": contains ".."`},
		{"dotdot escape", filesNamed("../x"), "../x", 100, `invalid file name "../x": contains ".."`},
		{"dotdot inside", filesNamed("x/../y"), "x/../y", 100, `invalid file name "x/../y": contains ".."`},
		{"dotdot trailing", filesNamed("x/.."), "x/..", 100, `invalid file name "x/..": contains ".."`},
		{"component too long", filesNamed("d/" + strings.Repeat("a", 256)), "main.py", 100, fmt.Sprintf("invalid file name %q: has a path component longer than 255 bytes", "d/"+strings.Repeat("a", 256))},
		{"multibyte component too long", filesNamed(strings.Repeat("é", 128)), "main.py", 100, fmt.Sprintf("invalid file name %q: has a path component longer than 255 bytes", strings.Repeat("é", 128))},
		{"name too long", filesNamed(strings.Repeat("a/", 512) + "b"), "main.py", 100, fmt.Sprintf("invalid file name %q: longer than 1024 bytes", strings.Repeat("a/", 512)+"b")},
		{"duplicate", filesNamed("main.py", "lib.py", "main.py"), "main.py", 100, `invalid file name "main.py": duplicate`},
		{"file is a directory of a later file", filesNamed("a", "a/b"), "a", 100, `invalid file name "a": is also a directory of "a/b"`},
		{"file is a directory of an earlier file", filesNamed("a/b/c", "a/b"), "a/b/c", 100, `invalid file name "a/b": is also a directory of "a/b/c"`},
		{"empty entrypoint", filesNamed("main.py"), "", 100, "entrypoint is required"},
		{"entrypoint missing", filesNamed("main.py"), "x", 100, `entrypoint "x" is not among the files`},
		{"entrypoint is a directory", filesNamed("a/main.py"), "a", 100, `entrypoint "a" is not among the files`},
		{"entrypoint differs only by a slash", filesNamed("main.py"), "./main.py", 100, `entrypoint "./main.py" is not among the files`},
		{"entrypoint with control bytes is quoted", filesNamed("main.py"), "\x00\x1b", 100, `entrypoint "\x00\x1b" is not among the files`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateFiles(tt.files, tt.entrypoint, tt.maxFiles)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateFiles: unexpected error %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateFiles: no error, want %q", tt.wantErr)
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *FileError", err)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("error = %q\n want %q", err.Error(), tt.wantErr)
			}
		})
	}
}

// The error text must be safe to log: printable ASCII or printable Unicode,
// never a raw control byte, whatever the name holds.
func TestFileErrorQuotesName(t *testing.T) {
	err := &FileError{Name: "a\x00\n\x1b\xff\u202e", Reason: "r"}
	for _, r := range err.Error() {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError || r == '\u202e' {
			t.Fatalf("Error() contains raw %U: %q", r, err.Error())
		}
	}
}

func FuzzValidateFiles(f *testing.F) {
	f.Add("main.py", "", false, "main.py")
	f.Add("a", "a/b", true, "a")
	f.Add("x/../y", "", false, "x/../y")
	f.Add("/etc/passwd", "", false, "/etc/passwd")
	f.Add("héllo/世界.py", "héllo/x", true, "héllo/世界.py")
	f.Add("a//b", "a/", true, "a")
	f.Add("./a", "a", true, "a")
	f.Add("a\x00", "b", true, "b")
	f.Fuzz(func(t *testing.T, a, b string, useB bool, entry string) {
		files := []File{{Name: a}}
		if useB {
			files = append(files, File{Name: b})
		}
		if ValidateFiles(files, entry, 100) != nil {
			return
		}
		found := false
		for _, f := range files {
			n := f.Name
			switch {
			case n == "" || n == "." || n == "..":
				t.Fatalf("accepted %q", n)
			case path.IsAbs(n):
				t.Fatalf("accepted absolute %q", n)
			case path.Clean(n) != n:
				t.Fatalf("accepted unclean %q (clean: %q)", n, path.Clean(n))
			case strings.HasPrefix(n, "../"):
				t.Fatalf("accepted escaping %q", n)
			case !utf8.ValidString(n):
				t.Fatalf("accepted invalid UTF-8 %q", n)
			case len(n) > MaxNameSize:
				t.Fatalf("accepted %d-byte name", len(n))
			}
			for _, r := range n {
				if r < 0x20 || r == 0x7f || r == '\\' {
					t.Fatalf("accepted %q with %U", n, r)
				}
			}
			if n == entry {
				found = true
			}
		}
		if !found {
			t.Fatalf("accepted entrypoint %q not among the files", entry)
		}
		if useB {
			if a == b {
				t.Fatalf("accepted duplicate %q", a)
			}
			if strings.HasPrefix(b, a+"/") || strings.HasPrefix(a, b+"/") {
				t.Fatalf("accepted file and directory %q, %q", a, b)
			}
		}
	})
}
