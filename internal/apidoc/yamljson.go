package apidoc

import (
	"bytes"
	"encoding/json"
	"fmt"

	"go.yaml.in/yaml/v4"
)

// yamlToJSON converts a YAML document to JSON, keeping the order of every
// mapping's keys: Swagger UI shows paths and fields in the document's
// order, which a map would lose. Anchors and aliases are refused (the
// document has none; an alias would need cycle checks).
func yamlToJSON(src []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("parsing YAML: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("want one YAML document")
	}
	var buf bytes.Buffer
	if err := writeNode(&buf, doc.Content[0]); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "  "); err != nil {
		return nil, fmt.Errorf("the JSON made of the YAML is invalid: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func writeNode(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.MappingNode:
		return writeMapping(buf, n)
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeNode(buf, item); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	case yaml.ScalarNode:
		return writeScalar(buf, n)
	default:
		return fmt.Errorf("line %d: unsupported YAML node (anchors and aliases are not allowed)", n.Line)
	}
}

func writeMapping(buf *bytes.Buffer, n *yaml.Node) error {
	buf.WriteByte('{')
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i]
		if key.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: a mapping key must be a scalar", key.Line)
		}
		if seen[key.Value] {
			return fmt.Errorf("line %d: duplicate key %q", key.Line, key.Value)
		}
		seen[key.Value] = true
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := writeString(buf, key.Value); err != nil {
			return err
		}
		buf.WriteByte(':')
		if err := writeNode(buf, n.Content[i+1]); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

// writeScalar writes a scalar as the JSON type YAML resolved it to.
func writeScalar(buf *bytes.Buffer, n *yaml.Node) error {
	switch tag := n.ShortTag(); tag {
	case "!!str":
		return writeString(buf, n.Value)
	case "!!null":
		buf.WriteString("null")
		return nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("line %d: %s %q has no JSON form: %w", n.Line, tag, n.Value, err)
		}
		buf.Write(data)
		return nil
	default:
		return fmt.Errorf("line %d: unsupported YAML tag %s", n.Line, tag)
	}
}

// writeString writes s as a JSON string without HTML escaping: the
// document's text holds <, > and & in examples.
func writeString(buf *bytes.Buffer, s string) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
	return nil
}
