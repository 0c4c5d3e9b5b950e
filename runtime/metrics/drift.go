package metrics

import "github.com/prometheus/client_golang/prometheus"

// DriftStat is how many of a source's tools are refused because the
// upstream's definition differs from the pinned one (adapters/mcp).
type DriftStat struct {
	Source string
	Tools  int
}

var descDrifted = prometheus.NewDesc("mcpgen_upstream_drifted_tools",
	"Tools of a source not served because the upstream's definition differs from the reviewed one (mcpgen.lock): alert on > 0.",
	[]string{"source"}, nil)

func collectDrift(ch chan<- prometheus.Metric, drifted []DriftStat) {
	for _, d := range drifted {
		ch <- prometheus.MustNewConstMetric(descDrifted, prometheus.GaugeValue, float64(d.Tools), d.Source)
	}
}
