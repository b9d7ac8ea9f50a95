package judge0

import (
	"strings"
	"testing"
)

// Hostile zips never panic, and what they unpack to stays within the
// bounds with clean relative names.
func FuzzUnzip(f *testing.F) {
	f.Add(makeZip(f, entry{name: "a/b.txt", content: "b"}))
	f.Add(makeZip(f, entry{name: "../x", content: "x"}))
	f.Add(makeZip(f, entry{name: "z", content: strings.Repeat("0", 5000)}))
	f.Add([]byte("PK\x03\x04"))
	lim := ZipLimits{MaxFiles: 4, MaxBytes: 4096, MaxNameBytes: 64}
	f.Fuzz(func(t *testing.T, data []byte) {
		files, err := Unzip(data, lim)
		if err != nil {
			return
		}
		var total int
		for _, file := range files {
			total += len(file.Content)
			if strings.HasPrefix(file.Name, "/") || strings.Contains("/"+file.Name+"/", "/../") || file.Name == "" {
				t.Fatalf("name %q passed", file.Name)
			}
		}
		if len(files) > lim.MaxFiles || int64(total) > lim.MaxBytes {
			t.Fatalf("%d files, %d bytes passed", len(files), total)
		}
	})
}
