package commands

import (
	_ "embed"

	"github.com/breachbot/breachbot/incidents"
)

// RecordSchemaVersion is the schema_version of the JSON record; it is
// raised on any change that can break a reader.
const RecordSchemaVersion = 2

// RecordSchema is the JSON Schema (draft 2020-12) of the JSON record, as
// published in incidents/commands/schema/record.schema.json.
//
//go:embed schema/record.schema.json
var RecordSchema []byte

// recordDoc is the JSON record: the schema version, then the record.
type recordDoc struct {
	SchemaVersion int `json:"schema_version"`
	*incidents.Record
}
