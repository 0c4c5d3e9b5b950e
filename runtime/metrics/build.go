package metrics

import "github.com/prometheus/client_golang/prometheus"

// SetBuildInfo exposes what runs as mcpgen_build_info{version, revision,
// modified, go_version} 1, the usual Prometheus idiom for build metadata
// (join on it to label other series). The labels are fixed for the life
// of the process; call it once, at start.
func (m *Metrics) SetBuildInfo(version, revision, modified, goVersion string) {
	if m == nil {
		return
	}
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "mcpgen_build_info",
		Help: "Always 1; its labels say what runs: the module version, the VCS revision (empty when the build recorded none), whether the tree was modified (true, false, unknown) and the Go version.",
	}, []string{"version", "revision", "modified", "go_version"})
	g.WithLabelValues(version, revision, modified, goVersion).Set(1)
	m.registry.MustRegister(g)
}
