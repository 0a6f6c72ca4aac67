//! Reading the process's own counters back, for the operator console: the recorder's text rendered and the
//! lines of one series name parsed into label sets and values. The parser knows only what the recorder writes
//! (the Prometheus text format: `name{label="value",...} number`, `#` comments), and skips any line it does
//! not understand.

use std::collections::BTreeMap;

use metrics_exporter_prometheus::PrometheusHandle;

/// The labels of one series, by name.
pub type Labels = BTreeMap<String, String>;

/// Every series named exactly `name` (a counter, a gauge, or a histogram's `_sum` or `_count`) the process's
/// recorder holds now, with its value; empty when the recorder is not installed.
pub fn series(name: &str) -> Vec<(Labels, f64)> {
    super::RECORDER
        .get()
        .and_then(Option::as_ref)
        .map(PrometheusHandle::render)
        .map(|text| parse(&text, name))
        .unwrap_or_default()
}

/// The sum of the values of `series` whose label `label` is `value`, grouped by the value of label `by`.
pub fn sum_by(series: &[(Labels, f64)], by: &str) -> BTreeMap<String, f64> {
    let mut sums = BTreeMap::new();
    for (labels, value) in series {
        if let Some(key) = labels.get(by) {
            *sums.entry(key.clone()).or_insert(0.0) += value;
        }
    }
    sums
}

/// The series named exactly `name` in `text` (the Prometheus text format).
pub fn parse(text: &str, name: &str) -> Vec<(Labels, f64)> {
    text.lines()
        .filter_map(|line| line.strip_prefix(name))
        .filter_map(|rest| {
            let (labels, value) = match rest.strip_prefix('{') {
                Some(inner) => labels(inner)?,
                None if rest.starts_with(' ') => (Labels::new(), rest),
                None => return None,
            };
            let number = value.split_whitespace().next()?;
            Some((labels, parse_number(number)?))
        })
        .collect()
}

/// `label="value",...}` and what follows the closing brace.
fn labels(mut rest: &str) -> Option<(Labels, &str)> {
    let mut out = Labels::new();
    loop {
        rest = rest.trim_start_matches([',', ' ']);
        if let Some(after) = rest.strip_prefix('}') {
            return Some((out, after));
        }
        let (key, after) = rest.split_once("=\"")?;
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next()? {
                (i, '"') => break i,
                (_, '\\') => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                (_, c) => value.push(c),
            }
        };
        out.insert(key.trim().to_owned(), value);
        rest = &after[end + 1..];
    }
}

fn parse_number(text: &str) -> Option<f64> {
    match text {
        "+Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => text.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# HELP gateway_plugin_invocations_total Plugin calls\n\
        # TYPE gateway_plugin_invocations_total counter\n\
        gateway_plugin_invocations_total{plugin=\"test-doc\",export=\"handle\",outcome=\"ok\"} 3\n\
        gateway_plugin_invocations_total{plugin=\"test-doc\",export=\"handle\",outcome=\"trap\"} 1\n\
        gateway_plugin_invocations_total{plugin=\"we\\\"ird\\\\,\",export=\"page\",outcome=\"ok\"} 2\n\
        gateway_plugin_invocations_total_other{plugin=\"x\"} 9\n\
        gateway_adapter_call_duration_seconds_sum{adapter=\"test\"} 0.25\n\
        gateway_adapter_call_duration_seconds_count{adapter=\"test\"} 4\n\
        gateway_uptime 1.5e3\n\
        gateway_plugin_invocations_total{broken 7\n";

    #[test]
    fn one_series_name_is_read_with_its_labels_and_escapes() {
        let calls = parse(TEXT, "gateway_plugin_invocations_total");
        assert_eq!(calls.len(), 3, "{calls:?}");
        assert_eq!(calls[0].0["plugin"], "test-doc");
        assert_eq!(calls[1].0["outcome"], "trap");
        assert_eq!(calls[1].1, 1.0);
        assert_eq!(calls[2].0["plugin"], "we\"ird\\,");
        assert_eq!(calls[2].0["export"], "page");
        assert_eq!(
            parse(TEXT, "gateway_adapter_call_duration_seconds_sum"),
            [(Labels::from([("adapter".into(), "test".into())]), 0.25)]
        );
        assert_eq!(parse(TEXT, "gateway_uptime"), [(Labels::new(), 1500.0)]);
        assert!(parse(TEXT, "gateway_adapter_call_duration_seconds").is_empty());
    }

    #[test]
    fn sums_are_grouped_by_one_label() {
        let calls = parse(TEXT, "gateway_plugin_invocations_total");
        let by_plugin = sum_by(&calls, "plugin");
        assert_eq!(by_plugin["test-doc"], 4.0);
        assert_eq!(by_plugin["we\"ird\\,"], 2.0);
        let failed: Vec<_> = calls
            .into_iter()
            .filter(|(l, _)| l.get("outcome").is_some_and(|o| o != "ok"))
            .collect();
        assert_eq!(sum_by(&failed, "plugin")["test-doc"], 1.0);
        assert_eq!(parse_number("+Inf"), Some(f64::INFINITY));
        assert_eq!(parse_number("x"), None);
    }
}
