package email

// Exported for the external tests: the library's composition is the
// reference the direct one is compared with.
var (
	ComposeWithLibrary    = composeWithLibrary
	AppendQuotedPrintable = appendQuotedPrintable
	AppendQPParts         = appendQuotedPrintableParts
)
