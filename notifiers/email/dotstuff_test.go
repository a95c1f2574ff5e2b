package email

import (
	"bufio"
	"bytes"
	"net/textproto"
	"testing"
)

// writeData writes what textproto's DotWriter writes (dot-stuffing, CRLF
// line ends, the final dot), for every input whose CRs all start a CRLF,
// as composed messages are.
func FuzzDotStuffingMatchesTextproto(f *testing.F) {
	for _, s := range []string{"", "a", ".", "..\r\n", "a\r\n.b\r\n", "a\nb\n", ".\r\n.\r\n", "x\r\n\r\n.", "=2E\r\n.hidden\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.Contains(bytes.ReplaceAll(data, []byte("\r\n"), nil), []byte("\r")) {
			t.Skip("a CR outside CRLF")
		}
		var want bytes.Buffer
		w := textproto.NewWriter(bufio.NewWriter(&want))
		dw := w.DotWriter()
		dw.Write(data)
		dw.Close()
		var got bytes.Buffer
		c := &client{w: bufio.NewWriter(&got)}
		if err := c.writeData(data); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("writeData(%q) = %q, DotWriter wrote %q", data, got.Bytes(), want.Bytes())
		}
	})
}
