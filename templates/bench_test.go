package templates

import (
	"fmt"
	"testing"
)

// recipients returns n recipients of one notice, as an import gives them:
// each with their own name and address, a few combinations of data
// categories and countries.
func recipients(n int) []Data {
	cats := [][]string{nil, {"email"}, {"email", "password_hash"}, {"name", "email", "ssn"}, {"health", "email"}}
	countries := []string{"US", "DE", "", "FR", "US"}
	out := make([]Data, n)
	for i := range out {
		d := Sample()
		d.Notice.Regimes = allRegimes
		d.Recipient.Name = fmt.Sprintf("Customer %d O'Neil", i)
		d.Recipient.Email = fmt.Sprintf("customer%d@example.net", i)
		d.Recipient.DataCategories = cats[i%len(cats)]
		d.Recipient.Country = countries[i/len(cats)%len(countries)]
		out[i] = d
	}
	return out
}

// BenchmarkRender renders the shipped notice (subject, text and HTML) for
// one recipient at a time, as the sender does for each of 100,000:
// rendering must not be what limits sending. "uncached" executes the
// templates in full for every recipient, as Render does for a template the
// render cache cannot serve. Run with
//
//	go test ./templates -run '^$' -bench Render -benchmem
func BenchmarkRender(b *testing.B) {
	s := mustNew(b, nil)
	many := recipients(10_000)
	for _, locale := range []string{"en", "de"} {
		b.Run(locale, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := s.Render("breach-notice", locale, many[i%len(many)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "renders/s")
		})
	}
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := s.Render("breach-notice", "en", many[i%len(many)]); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "renders/s")
	})
	b.Run("uncached", func(b *testing.B) {
		v := s.templates["breach-notice"].variant("en")
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, probs := v.render(many[i%len(many)]); len(probs) > 0 {
				b.Fatal(probs)
			}
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "renders/s")
	})
}
