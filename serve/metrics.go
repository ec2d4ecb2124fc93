package serve

import (
	"math"
	"slices"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/choreo-dev/choreo/report"
)

// metrics are the server's Prometheus metrics: counters of what it
// received, dropped and refused, updated as requests come, and the
// checker's aggregate (checkerCollector), read at each scrape.
type metrics struct {
	requests  *prometheus.CounterVec // by HTTP status
	rejected  *prometheus.CounterVec // requests not accepted, by reason
	bytes     prometheus.Counter
	received  prometheus.Counter     // spans decoded, malformed ones included
	accepted  prometheus.Counter     // spans added to traces in flight
	dropped   *prometheus.CounterVec // spans left out, by reason: malformed, late
	refused   *prometheus.CounterVec // spans refused with 429 or 503 (the sender retries them)
	completed *prometheus.CounterVec // traces checked, by why they completed
	inFlight  prometheus.GaugeFunc
	spansIn   prometheus.GaugeFunc
	checker   *checkerCollector
}

func newMetrics(s *Server) *metrics {
	const ns = "choreo_serve"
	return &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "requests_total",
			Help: "OTLP/HTTP export requests answered, by HTTP status code."}, []string{"code"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "requests_rejected_total",
			Help: "Export requests not accepted (status 4xx or 5xx), by reason: malformed, too_large, unsupported, unauthorized, stopping."}, []string{"reason"}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "received_bytes_total",
			Help: "Bytes of export request bodies read, after gzip."}),
		received: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "spans_received_total",
			Help: "Spans decoded from accepted requests, malformed ones included."}),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "spans_accepted_total",
			Help: "Spans added to a trace in flight: each is checked with its trace."}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "spans_dropped_total",
			Help: "Spans received but left out, by reason: malformed (unreadable, reported as rejected in the partial success), late (their trace had already been checked)."}, []string{"reason"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "spans_refused_total",
			Help: "Spans of requests refused with 429 (over_capacity) or 503 (stopping) and Retry-After: the sender retries them."}, []string{"reason"}),
		completed: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "traces_completed_total",
			Help: "Traces checked, by why they were complete: idle (no span for --trace-idle), evicted (--max-traces in flight reached, the least recently updated one), shutdown (flushed on SIGTERM: possibly incomplete)."}, []string{"reason"}),
		inFlight: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Name: "traces_in_flight",
			Help: "Traces open: received, not yet checked."}, func() float64 { t, _ := s.InFlight(); return float64(t) }),
		spansIn: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Name: "spans_in_flight",
			Help: "Spans of the traces open."}, func() float64 { _, n := s.InFlight(); return float64(n) }),
		checker: &checkerCollector{s: s},
	}
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.requests, m.rejected, m.bytes, m.received, m.accepted, m.dropped,
		m.refused, m.completed, m.inFlight, m.spansIn, m.checker}
}

// The checker's metrics, read from its aggregate at each scrape.
var (
	descTraces = prometheus.NewDesc("choreo_traces_total",
		"Traces checked, by outcome (ok, handled, failed, inconsistent).", []string{"outcome"}, nil)
	descConforming = prometheus.NewDesc("choreo_traces_conforming_total",
		"Traces checked that follow the diagram.", nil, nil)
	descDeviations = prometheus.NewDesc("choreo_deviation_traces_total",
		"Traces that show a deviation from the diagram, by deviation kind (missing, unexpected, out_of_order…) and message.", []string{"kind", "message"}, nil)
	descFaults = prometheus.NewDesc("choreo_message_faults_total",
		"Failed attempts of a message, by fault kind (error, timeout).", []string{"n", "message", "fault"}, nil)
	descMessage = prometheus.NewDesc("choreo_message_latency_seconds",
		"Latency of each delivery of a message (a request: server start - client start; a reply: client end - server end).", []string{"n", "message"}, nil)
	descExchange = prometheus.NewDesc("choreo_exchange_duration_seconds",
		"Duration of an exchange, from its request's send to its reply's arrival (the client span).", []string{"request", "message"}, nil)
	descEndToEnd = prometheus.NewDesc("choreo_end_to_end_seconds",
		"End-to-end time of a trace: from its start to the end of its main timeline.", nil, nil)
	descSLOOK = prometheus.NewDesc("choreo_slo_ok",
		"1 while the SLO target holds over the traces checked so far, else 0.", []string{"target"}, nil)
	descSLOBurn = prometheus.NewDesc("choreo_slo_burn_ratio",
		"Observed value over the target's bound (latency over its limit, failed share over the allowed share): above 1 the target is breached.", []string{"target"}, nil)
)

// checkerCollector exposes the checker's aggregate.
type checkerCollector struct{ s *Server }

func (c *checkerCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descTraces, descConforming, descDeviations, descFaults,
		descMessage, descExchange, descEndToEnd, descSLOOK, descSLOBurn} {
		ch <- d
	}
}

func (c *checkerCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	s.cmu.Lock()
	defer s.cmu.Unlock()
	res := s.checker.Result() // shares the checker's histograms: read under cmu
	o := res.Outcomes
	for _, kv := range []struct {
		k string
		v int64
	}{{report.OK, o.OK}, {report.Handled, o.Handled}, {report.Failed, o.Failed}, {report.Inconsistent, o.Inconsistent}} {
		ch <- prometheus.MustNewConstMetric(descTraces, prometheus.CounterValue, float64(kv.v), kv.k)
	}
	if cf := res.Conformance; cf != nil {
		ch <- prometheus.MustNewConstMetric(descConforming, prometheus.CounterValue, float64(cf.Conforming))
		for _, d := range cf.Deviations {
			ch <- prometheus.MustNewConstMetric(descDeviations, prometheus.CounterValue, float64(d.Traces), d.Kind, d.Message)
		}
	}
	for i, m := range res.Messages {
		n := strconv.Itoa(m.N)
		if m.Faults.Error > 0 {
			ch <- prometheus.MustNewConstMetric(descFaults, prometheus.CounterValue, float64(m.Faults.Error), n, m.Selector, "error")
		}
		if m.Faults.Timeout > 0 {
			ch <- prometheus.MustNewConstMetric(descFaults, prometheus.CounterValue, float64(m.Faults.Timeout), n, m.Selector, "timeout")
		}
		if hs := res.Histograms; hs != nil && i < len(hs.Messages) {
			ch <- &histogram{desc: descMessage, h: hs.Messages[i], labels: []string{n, m.Selector}}
		}
	}
	for i, e := range res.Exchanges {
		if hs := res.Histograms; hs != nil && i < len(hs.Exchanges) && e.Request >= 1 && e.Request <= len(res.Messages) {
			ch <- &histogram{desc: descExchange, h: hs.Exchanges[i],
				labels: []string{strconv.Itoa(e.Request), res.Messages[e.Request-1].Selector}}
		}
	}
	if hs := res.Histograms; hs != nil && hs.EndToEnd != nil {
		ch <- &histogram{desc: descEndToEnd, h: hs.EndToEnd}
	}
	for _, v := range res.SLO {
		ok := 0.0
		if v.OK {
			ok = 1
		}
		ch <- prometheus.MustNewConstMetric(descSLOOK, prometheus.GaugeValue, ok, v.Target)
		if burn, has := burnRatio(v); has {
			ch <- prometheus.MustNewConstMetric(descSLOBurn, prometheus.GaugeValue, burn, v.Target)
		}
	}
}

// burnRatio is a verdict's observed value over its bound.
func burnRatio(v report.SLOVerdict) (float64, bool) {
	switch {
	case v.NoData:
		return 0, false
	case v.LimitMS > 0:
		return v.ObservedMS / v.LimitMS, true
	case v.Share > 0:
		return v.Observed / v.Share, true
	}
	return 0, false
}

// classicBounds are the upper bounds (seconds) of the classic buckets,
// which the text format shows; the native buckets (schema nativeSchema)
// go to a scraper that negotiates the protobuf format.
var classicBounds = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300}

// nativeSchema 3: each native bucket spans a factor of 2^(1/8) ≈ 1.09.
const nativeSchema = 3

// histogram is a report.Histogram as a Prometheus histogram with both
// classic and native buckets. Values are placed at the HdrHistogram's
// resolution (by each of its buckets' upper bound); count and sum are
// exact.
type histogram struct {
	desc   *prometheus.Desc
	h      *report.Histogram
	labels []string
}

func (h *histogram) Desc() *prometheus.Desc { return h.desc }

func (h *histogram) Write(m *dto.Metric) error {
	count := uint64(h.h.Count())
	sum := h.h.Mean() * float64(count) / 1e9
	bs := h.h.Buckets()
	out := &dto.Histogram{SampleCount: &count, SampleSum: &sum}
	// classic: cumulative counts at each bound
	cum, j := uint64(0), 0
	for _, ub := range classicBounds {
		for j < len(bs) && bs[j].High.Seconds() <= ub {
			cum += uint64(bs[j].Count)
			j++
		}
		out.Bucket = append(out.Bucket, &dto.Bucket{CumulativeCount: new(cum), UpperBound: new(ub)})
	}
	// native: counts by bucket index, as spans and deltas
	schema, zt := int32(nativeSchema), math.Ldexp(1, -128)
	var zero uint64
	idx := map[int]int64{}
	for _, b := range bs {
		v := b.High.Seconds()
		if v <= zt {
			zero += uint64(b.Count)
			continue
		}
		idx[int(math.Ceil(math.Log2(v)*(1<<nativeSchema)))] += b.Count
	}
	keys := make([]int, 0, len(idx))
	for k := range idx {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out.Schema, out.ZeroThreshold, out.ZeroCount = &schema, &zt, &zero
	prev, last := int64(0), 0
	for i, k := range keys {
		if i == 0 || k != last+1 {
			off := int32(k)
			if i > 0 {
				off = int32(k - last - 1)
			}
			out.PositiveSpan = append(out.PositiveSpan, &dto.BucketSpan{Offset: &off, Length: new(uint32(0))})
		}
		*out.PositiveSpan[len(out.PositiveSpan)-1].Length++
		out.PositiveDelta = append(out.PositiveDelta, idx[k]-prev)
		prev, last = idx[k], k
	}
	if len(keys) == 0 {
		// an empty native histogram still says it is native
		out.PositiveSpan = []*dto.BucketSpan{{Offset: new(int32(0)), Length: new(uint32(0))}}
	}
	m.Histogram = out
	m.Label = prometheus.MakeLabelPairs(h.desc, h.labels)
	return nil
}
