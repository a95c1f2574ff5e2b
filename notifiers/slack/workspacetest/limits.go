package workspacetest

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Slack's documented Block Kit limits for a message.
const (
	MaxBlocks         = 50   // blocks per message
	MaxSectionText    = 3000 // characters of a section's text
	MaxSectionFields  = 10   // fields of a section
	MaxContextText    = 2000 // characters of a context element's text
	MaxContextElems   = 10   // elements of a context block
	MaxHeaderText     = 150  // characters of a header
	MaxOptions        = 100  // options of a select
	MaxActionElements = 25   // elements of an actions block
	MaxButtonText     = 75   // characters of a button's label
	MaxButtonValue    = 2000 // characters of a button's value
)

// CheckBlocks reports the first way a message's blocks break Slack's
// limits (Slack refuses such a message with invalid_blocks), or nil.
func CheckBlocks(raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	type text struct {
		Text string `json:"text"`
	}
	type element struct {
		Type    string            `json:"type"`
		Text    json.RawMessage   `json:"text"`
		Value   string            `json:"value"`
		Options []json.RawMessage `json:"options"`
	}
	var blocks []struct {
		Type     string    `json:"type"`
		Text     *text     `json:"text"`
		Fields   []text    `json:"fields"`
		Elements []element `json:"elements"`
	}
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return fmt.Errorf("blocks are not a JSON array of blocks: %w", err)
	}
	if len(blocks) > MaxBlocks {
		return fmt.Errorf("%d blocks, over %d", len(blocks), MaxBlocks)
	}
	n := utf8.RuneCountInString
	for i, b := range blocks {
		switch b.Type {
		case "header":
			if b.Text != nil && n(b.Text.Text) > MaxHeaderText {
				return fmt.Errorf("block %d: header of %d characters, over %d", i, n(b.Text.Text), MaxHeaderText)
			}
		case "section":
			if b.Text != nil && n(b.Text.Text) > MaxSectionText {
				return fmt.Errorf("block %d: section text of %d characters, over %d", i, n(b.Text.Text), MaxSectionText)
			}
			if len(b.Fields) > MaxSectionFields {
				return fmt.Errorf("block %d: %d fields, over %d", i, len(b.Fields), MaxSectionFields)
			}
			for _, f := range b.Fields {
				if n(f.Text) > 2000 {
					return fmt.Errorf("block %d: a field of %d characters, over 2000", i, n(f.Text))
				}
			}
		case "context":
			if len(b.Elements) > MaxContextElems {
				return fmt.Errorf("block %d: %d context elements, over %d", i, len(b.Elements), MaxContextElems)
			}
			for _, e := range b.Elements {
				var t string
				_ = json.Unmarshal(e.Text, &t)
				if n(t) > MaxContextText {
					return fmt.Errorf("block %d: context text of %d characters, over %d", i, n(t), MaxContextText)
				}
			}
		case "actions":
			if len(b.Elements) > MaxActionElements {
				return fmt.Errorf("block %d: %d actions, over %d", i, len(b.Elements), MaxActionElements)
			}
			for _, e := range b.Elements {
				var t text
				_ = json.Unmarshal(e.Text, &t)
				if e.Type == "button" && (n(t.Text) > MaxButtonText || n(e.Value) > MaxButtonValue) {
					return fmt.Errorf("block %d: a button's label or value is too long", i)
				}
				if len(e.Options) > MaxOptions {
					return fmt.Errorf("block %d: %d options, over %d", i, len(e.Options), MaxOptions)
				}
			}
		}
	}
	return nil
}
