package diff

import (
	"fmt"
	"math/big"
	"time"
)

// compareLimits compares a call's timeout, rate limit, concurrency caps
// and cache. A limit dropped is high; loosened, medium; added or
// tightened, low.
func compareLimits(o, n map[string]any) []Detail {
	var ds []Detail
	for _, k := range sortedKeys(o, n) {
		ov, nv := o[k], n[k]
		if equalJSON(ov, nv) {
			continue
		}
		switch k {
		case "timeout":
			d := Detail{Aspect: "limits", Old: valueText(ov), New: valueText(nv)}
			od, err1 := time.ParseDuration(str(ov))
			nd, err2 := time.ParseDuration(str(nv))
			switch {
			case err1 != nil || err2 != nil:
				d.Risk, d.Summary = Medium, "the timeout changed"
			case nd > od:
				d.Risk, d.Summary = Medium, "the timeout is longer"
			default:
				d.Risk, d.Summary = Low, "the timeout is shorter"
			}
			ds = append(ds, d)
		case "rate_limit":
			ds = append(ds, compareRateLimit(mapOf(ov), mapOf(nv))...)
		case "max_concurrency", "source_max_concurrency":
			what := "the tool's concurrency cap"
			if k == "source_max_concurrency" {
				what = "the source's concurrency cap"
			}
			ds = append(ds, capChange(what, ov, nv))
		case "cache":
			ds = append(ds, compareCache(mapOf(ov), mapOf(nv))...)
		default:
			ds = append(ds, limitChange(k, ov, nv))
		}
	}
	return ds
}

// limitChange is the fallback for a limit this package does not know:
// dropped is high, anything else medium.
func limitChange(k string, ov, nv any) Detail {
	d := Detail{Aspect: "limits", Risk: Medium, Summary: k + " changed", Old: valueText(ov), New: valueText(nv)}
	if nv == nil {
		d.Risk, d.Summary = High, k+" dropped"
	}
	return d
}

func capChange(what string, ov, nv any) Detail {
	d := Detail{Aspect: "limits", Old: valueText(ov), New: valueText(nv)}
	o, hadOld := number(ov)
	n, hasNew := number(nv)
	switch {
	case !hasNew:
		d.Risk, d.Summary = High, what+" is dropped"
	case !hadOld:
		d.Risk, d.Summary = Low, what+" is added"
	case n.Cmp(o) > 0:
		d.Risk, d.Summary = Medium, what+" is raised"
	default:
		d.Risk, d.Summary = Low, what+" is lowered"
	}
	return d
}

// compareRateLimit compares two rate limits (nil: none).
func compareRateLimit(o, n map[string]any) []Detail {
	switch {
	case o == nil && n == nil:
		return nil
	case n == nil:
		return []Detail{{Aspect: "limits", Risk: High, Summary: "the rate limit is dropped", Old: rateText(o)}}
	case o == nil:
		return []Detail{{Aspect: "limits", Risk: Low, Summary: "a rate limit is added", New: rateText(n)}}
	}
	var ds []Detail
	d := Detail{Aspect: "limits", Old: rateText(o), New: rateText(n)}
	or, ok1 := perSecond(o)
	nr, ok2 := perSecond(n)
	switch {
	case !ok1 || !ok2:
		if !equalJSON(o["rate"], n["rate"]) || !equalJSON(o["per"], n["per"]) {
			d.Risk, d.Summary = Medium, "the rate changed"
			ds = append(ds, d)
		}
	case nr.Cmp(or) > 0:
		d.Risk, d.Summary = Medium, "the rate limit is raised"
		ds = append(ds, d)
	case nr.Cmp(or) < 0:
		d.Risk, d.Summary = Low, "the rate limit is lowered"
		ds = append(ds, d)
	}
	if !equalJSON(o["burst"], n["burst"]) {
		ob, _ := number(o["burst"])
		nb, _ := number(n["burst"])
		d := Detail{Aspect: "limits", Risk: Medium, Summary: "the burst is raised", Old: valueText(o["burst"]), New: valueText(n["burst"])}
		if ob != nil && nb != nil && nb.Cmp(ob) < 0 {
			d.Risk, d.Summary = Low, "the burst is lowered"
		}
		ds = append(ds, d)
	}
	if NormalizeCEL(str(o["key"])) != NormalizeCEL(str(n["key"])) {
		ds = append(ds, Detail{Aspect: "limits", Risk: Medium, Summary: "the rate limit is counted per another key",
			Old: valueText(o["key"]), New: valueText(n["key"])})
	}
	if len(ds) == 0 && !equalJSON(o["from"], n["from"]) {
		ds = append(ds, Detail{Aspect: "limits", Risk: Low, Summary: "the same rate limit now comes from the " + str(n["from"]),
			Old: valueText(o["from"]), New: valueText(n["from"])})
	}
	return ds
}

func rateText(r map[string]any) string {
	s := fmt.Sprintf("%s per %s, burst %s, per %s", valueText(r["rate"]), valueText(r["per"]), valueText(r["burst"]), valueText(r["key"]))
	if from := str(r["from"]); from != "" {
		s += " (from the " + from + ")"
	}
	return s
}

// perSecond is a rate limit's rate as calls per second.
func perSecond(r map[string]any) (*big.Float, bool) {
	rate, ok := number(r["rate"])
	per, err := time.ParseDuration(str(r["per"]))
	if !ok || err != nil || per <= 0 {
		return nil, false
	}
	return new(big.Float).Quo(rate, big.NewFloat(per.Seconds())), true
}

// compareCache: a cache added serves results up to ttl old (medium);
// sharing it serves one caller's result to others with the same bound
// values (high).
func compareCache(o, n map[string]any) []Detail {
	switch {
	case o == nil:
		d := Detail{Aspect: "limits", Risk: Medium, Summary: "results are now cached", New: valueText(n)}
		if n["shared"] == true {
			d.Risk, d.Summary = High, "results are now cached and shared: one caller's result is served to others with the same bound values"
		}
		return []Detail{d}
	case n == nil:
		return []Detail{{Aspect: "limits", Risk: Low, Summary: "results are no longer cached", Old: valueText(o)}}
	}
	var ds []Detail
	if o["shared"] != true && n["shared"] == true {
		ds = append(ds, Detail{Aspect: "limits", Risk: High, Summary: "the cache is now shared: one caller's result is served to others with the same bound values"})
	} else if o["shared"] == true && n["shared"] != true {
		ds = append(ds, Detail{Aspect: "limits", Risk: Low, Summary: "the cache is no longer shared"})
	}
	if !equalJSON(o["ttl"], n["ttl"]) {
		d := Detail{Aspect: "limits", Risk: Medium, Summary: "cached results live longer", Old: valueText(o["ttl"]), New: valueText(n["ttl"])}
		od, err1 := time.ParseDuration(str(o["ttl"]))
		nd, err2 := time.ParseDuration(str(n["ttl"]))
		if err1 == nil && err2 == nil && nd < od {
			d.Risk, d.Summary = Low, "cached results live shorter"
		}
		ds = append(ds, d)
	}
	for _, k := range sortedKeys(o, n) {
		if k != "shared" && k != "ttl" && !equalJSON(o[k], n[k]) {
			ds = append(ds, Detail{Aspect: "limits", Risk: Low, Summary: "cache " + k + " changed", Old: valueText(o[k]), New: valueText(n[k])})
		}
	}
	return ds
}
