package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable prints results as one text table per protocol (the sequential
// protocol's sampled variant as its own table), models in result order.
func WriteTable(w io.Writer, results []*Result) error {
	for _, sec := range sections(results) {
		if len(sec.rows) == 0 {
			continue
		}
		if _, err := fmt.Fprintln(w, sec.title); err != nil {
			return fmt.Errorf("eval: write table: %w", err)
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		hdr := []string{"model"}
		for _, m := range sec.rows[0].metrics {
			hdr = append(hdr, m.Name)
		}
		fmt.Fprintln(tw, strings.Join(hdr, "\t")+"\t  chosen")
		for _, r := range sec.rows {
			cells := []string{r.model}
			for _, m := range r.metrics {
				cells = append(cells, fmt.Sprintf("%.4f", m.Value))
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t  "+r.chosen)
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("eval: write table: %w", err)
		}
		if _, err := fmt.Fprintln(w); err != nil {
			return fmt.Errorf("eval: write table: %w", err)
		}
	}
	return nil
}

type section struct {
	title string
	rows  []row
}

type row struct {
	model, chosen string
	metrics       Metrics
}

// sections groups results into the table sections, in protocol order.
func sections(results []*Result) []section {
	var secs []section
	add := func(title string, pick func(*Result) Metrics, p Protocol) {
		s := section{title: title}
		for _, r := range results {
			if r.Protocol != p || pick(r) == nil {
				continue
			}
			s.rows = append(s.rows, row{model: r.Model, chosen: r.Chosen, metrics: pick(r)})
		}
		secs = append(secs, s)
	}
	test := func(r *Result) Metrics { return r.Test }
	sampled := func(r *Result) Metrics { return r.Sampled }
	add("sequential (leave-one-out, full ranking, seen filtered)", test, Sequential)
	add("sequential_sampled (popularity-sampled 100 negatives)", sampled, Sequential)
	add("tfrs (random 80/20, all items, nothing filtered)", test, TFRS)
	add("recbole (random 8:1:1 per user, full ranking, seen filtered)", test, RecBole)
	return secs
}

// MetricsJSON returns the results as the nested object written to metrics/
// (a DVC metrics output): {protocol: {model: {metric: value}}}, with the
// sequential sampled variant under "sequential_sampled".
func MetricsJSON(results []*Result) map[string]map[string]Metrics {
	out := map[string]map[string]Metrics{}
	put := func(p, m string, v Metrics) {
		if v == nil {
			return
		}
		if out[p] == nil {
			out[p] = map[string]Metrics{}
		}
		out[p][m] = v
	}
	for _, r := range results {
		put(string(r.Protocol), r.Model, r.Test)
		if r.Protocol == Sequential {
			put(SequentialSampled, r.Model, r.Sampled)
		}
	}
	return out
}

// WriteJSON writes MetricsJSON(results), indented, to w.
func WriteJSON(w io.Writer, results []*Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(MetricsJSON(results)); err != nil {
		return fmt.Errorf("eval: write metrics JSON: %w", err)
	}
	return nil
}
