#!/usr/bin/python3
"""The pandas peers of bench/feature_store.sh's point-in-time join (issue 15, section 3).

  feature_store_peers.py asof  LABELS OUT GROUP.csv...   pandas merge_asof
  feature_store_peers.py feast LABELS OUT GROUP.csv... [--labels N]
                                                        Feast's file offline store algorithm
  feature_store_peers.py checksum DATA.csv GROUP.csv...  the checksum of mlops's output

Both read the label spine (key,ts,label) and each group's CSV (key,ts,features...), attach to
every label row the features of the group row with the greatest ts <= the label's ts for the
same key (inclusive, no ttl), and write the joined table as CSV to OUT, as `mlops dataset
create` does. Printed on stdout, one JSON object: seconds spent reading the CSVs ("read"),
joining in memory ("join": for merge_asof both sorts and the merge, for Feast the merge, filter,
sort and drop_duplicates), writing ("write"), the label rows, and a checksum of the result
(matched rows and the sum of the first feature of each group) to compare with mlops's output.

merge_asof: both frames sorted by ts (it requires that), stable, so of two group rows with the
same (key, ts) the later in the file wins, as in the feature store; by="key",
direction="backward", allow_exact_matches=True, no tolerance.

Feast (sdk/python/feast/infra/offline_stores/file.py, get_historical_features, per feature
view): entity_df.merge(feature_df, on=join_keys, how="left"), keep rows with
event_timestamp <= entity ts (and >= ts - ttl; no ttl here), sort by event timestamp,
drop_duplicates on (entity keys, entity ts) keep="last". Rows with no qualifying feature row
are kept with NULL features (merged back onto the spine by row number). --labels N joins only
the first N label rows (the cross product per key is what makes it slow and big).
"""
import json
import sys
import time

import numpy as np
import pandas as pd


def read(labels_path, group_paths, limit=None):
    labels = pd.read_csv(labels_path, nrows=limit)
    groups = [pd.read_csv(p) for p in group_paths]
    return labels, groups


def checksum(df, groups):
    firsts = [g.columns[2] for g in groups]
    return {"rows": int(len(df)),
            "matched": [int(df[c].notna().sum()) for c in firsts],
            "sums": [float(df[c].sum()) for c in firsts]}


def join_asof(labels, groups):
    out = labels.reset_index().rename(columns={"index": "_row"})
    out = out.sort_values("ts", kind="stable")
    for g in groups:
        g = g.sort_values("ts", kind="stable")
        out = pd.merge_asof(out, g, on="ts", by="key", direction="backward",
                            allow_exact_matches=True)
    return out.sort_values("_row").drop(columns="_row")  # back in spine order, as mlops writes


def join_feast(labels, groups):
    out = labels.reset_index().rename(columns={"index": "_row"})
    for g in groups:
        g = g.rename(columns={"ts": "_event_ts"})
        m = out[["_row", "key", "ts"]].merge(g, on="key", how="left")
        m = m[m["_event_ts"] <= m["ts"]]
        m = m.sort_values("_event_ts", kind="stable")
        m = m.drop_duplicates(subset=["key", "ts", "_row"], keep="last")
        out = out.merge(m.drop(columns=["key", "ts", "_event_ts"]), on="_row", how="left")
    return out.sort_values("_row").drop(columns="_row")


def main():
    args = sys.argv[1:]
    limit = None
    if "--labels" in args:
        i = args.index("--labels")
        limit = int(args[i + 1])
        del args[i:i + 2]
    if args[0] == "checksum":  # checksum DATA.csv GROUP.csv...: of mlops's output
        groups = [pd.read_csv(p, nrows=1) for p in args[2:]]
        print(json.dumps(checksum(pd.read_csv(args[1]), groups)))
        return
    mode, labels_path, out_path, group_paths = args[0], args[1], args[2], args[3:]
    t0 = time.perf_counter()
    labels, groups = read(labels_path, group_paths, limit)
    t1 = time.perf_counter()
    df = (join_asof if mode == "asof" else join_feast)(labels, groups)
    t2 = time.perf_counter()
    df.to_csv(out_path, index=False, float_format="%.4f")
    t3 = time.perf_counter()
    print(json.dumps({"read": t1 - t0, "join": t2 - t1, "write": t3 - t2, **checksum(df, groups)}))


if __name__ == "__main__":
    main()
