// promcheck: reads a Prometheus text exposition on stdin, parses it with the reference parser
// (prometheus/common expfmt, as promtool does), lints it with promlint (naming conventions), and
// prints the parsed families as JSON. Exit status 1 when the exposition does not parse.
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

type bucket struct {
	Le    string `json:"le"`
	Count uint64 `json:"count"`
}

type sample struct {
	Labels  map[string]string `json:"labels"`
	Value   *string           `json:"value,omitempty"`
	Count   *uint64           `json:"count,omitempty"`
	Sum     *string           `json:"sum,omitempty"`
	Buckets []bucket          `json:"buckets,omitempty"`
}

type family struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Help    string   `json:"help"`
	Samples []sample `json:"samples"`
}

type output struct {
	Families []family `json:"families"`
	Problems []string `json:"problems"`
}

func num(f float64) *string {
	var s string
	switch {
	case math.IsInf(f, 1):
		s = "+Inf"
	case math.IsInf(f, -1):
		s = "-Inf"
	case math.IsNaN(f):
		s = "NaN"
	default:
		s = fmt.Sprintf("%v", f)
	}
	return &s
}

func main() {
	var parser expfmt.TextParser
	mfs, err := parser.TextToMetricFamilies(os.Stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "parse error: %v\n", err)
		os.Exit(1)
	}
	names := make([]string, 0, len(mfs))
	list := make([]*dto.MetricFamily, 0, len(mfs))
	for name := range mfs {
		names = append(names, name)
	}
	sort.Strings(names)
	out := output{Families: []family{}, Problems: []string{}}
	for _, name := range names {
		mf := mfs[name]
		list = append(list, mf)
		f := family{Name: name, Type: mf.GetType().String(), Help: mf.GetHelp(), Samples: []sample{}}
		for _, m := range mf.GetMetric() {
			s := sample{Labels: map[string]string{}}
			for _, lp := range m.GetLabel() {
				s.Labels[lp.GetName()] = lp.GetValue()
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				s.Value = num(m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				s.Value = num(m.GetGauge().GetValue())
			case dto.MetricType_UNTYPED:
				s.Value = num(m.GetUntyped().GetValue())
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				c := h.GetSampleCount()
				s.Count = &c
				s.Sum = num(h.GetSampleSum())
				for _, b := range h.GetBucket() {
					s.Buckets = append(s.Buckets, bucket{Le: *num(b.GetUpperBound()), Count: b.GetCumulativeCount()})
				}
			case dto.MetricType_SUMMARY:
				sm := m.GetSummary()
				c := sm.GetSampleCount()
				s.Count = &c
				s.Sum = num(sm.GetSampleSum())
			}
			f.Samples = append(f.Samples, s)
		}
		out.Families = append(out.Families, f)
	}
	problems, err := promlint.NewWithMetricFamilies(list).Lint()
	if err != nil {
		fmt.Fprintf(os.Stderr, "lint error: %v\n", err)
		os.Exit(1)
	}
	for _, p := range problems {
		out.Problems = append(out.Problems, p.Metric+": "+p.Text)
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		os.Exit(1)
	}
}
