package judge0

import (
	"errors"
	"strings"
)

// SplitArgs splits command_line_arguments into arguments as a POSIX
// shell splits words, without running one: white space separates;
// single quotes keep everything literally; double quotes keep all but a
// backslash before " \ $ or `; outside quotes a backslash keeps the next
// character. Nothing is expanded ($, globs and ~ stay as written).
func SplitArgs(s string) ([]string, error) {
	var (
		args    []string
		cur     strings.Builder
		inWord  bool
		quote   rune // 0, '\'' or '"'
		escaped bool
	)
	for _, r := range s {
		switch {
		case escaped:
			if quote == '"' && !strings.ContainsRune("\"\\$`\n", r) {
				cur.WriteRune('\\')
			}
			if r != '\n' { // backslash-newline joins lines
				cur.WriteRune(r)
			}
			escaped = false
		case quote == '\'' && r == '\'', quote == '"' && r == '"':
			quote = 0
		case quote == '\'':
			cur.WriteRune(r)
		case r == '\\':
			escaped, inWord = true, true
		case quote == '"':
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 || escaped {
		return nil, errors.New("has an unterminated quote or a trailing backslash")
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args, nil
}
