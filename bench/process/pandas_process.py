#!/usr/bin/python3
"""The data_processing stage written the way a pandas user would, for
bench/process: read a MovieLens release, validate, filter to a fixed point,
split, compute the movie and user tables, and write them.

pandas cannot write Parquet on this machine (Debian ships neither pyarrow
nor fastparquet), so the tables are written with to_pickle, pandas' fastest
binary writer. genie writes Snappy Parquet: the comparison favours pandas.
"""
import os
import sys

import numpy as np
import pandas as pd


def read_release(d):
    if os.path.exists(os.path.join(d, "u.data")):
        r = pd.read_csv(os.path.join(d, "u.data"), sep="\t", header=None,
                        names=["user_id", "movie_id", "rating", "timestamp"],
                        dtype={"user_id": "int32", "movie_id": "int32", "rating": "float32", "timestamp": "int64"})
        cols = ["movie_id", "title", "release_date", "video", "imdb_url"] + [f"g{i}" for i in range(19)]
        m = pd.read_csv(os.path.join(d, "u.item"), sep="|", header=None, names=cols, encoding="latin-1")
        genres = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
                  "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
                  "Thriller", "War", "Western"]
        flags = m[[f"g{i}" for i in range(19)]].to_numpy()
        m["genres"] = ["|".join(g for g, f in zip(genres, row) if f) for row in flags]
        m = m[["movie_id", "title", "genres"]]
    else:
        r = pd.read_csv(os.path.join(d, "ratings.csv"),
                        dtype={"userId": "int32", "movieId": "int32", "rating": "float32", "timestamp": "int64"})
        r.columns = ["user_id", "movie_id", "rating", "timestamp"]
        m = pd.read_csv(os.path.join(d, "movies.csv"))
        m.columns = ["movie_id", "title", "genres"]
    return r, m


def main(src, out, min_u=20, min_m=5, ratio=0.2, seed=42):
    r, m = read_release(src)
    r["source_row"] = np.arange(len(r), dtype="int32")
    # validation
    assert r[["user_id", "movie_id"]].notna().all().all(), "null ids"
    assert r["rating"].between(0.5, 5).all(), "rating out of range"
    assert (r["timestamp"] >= 0).all(), "bad timestamp"
    assert not r.duplicated(["user_id", "movie_id"]).any(), "duplicate pairs"
    assert r["movie_id"].isin(m["movie_id"]).all(), "orphan ratings"
    # filter to a fixed point
    while True:
        uc = r.groupby("user_id")["user_id"].transform("size")
        mc = r.groupby("movie_id")["movie_id"].transform("size")
        keep = (uc >= min_u) & (mc >= min_m)
        if keep.all():
            break
        r = r[keep]
    r = r.reset_index(drop=True)
    # temporal leave-one-out
    order = r.sort_values(["user_id", "timestamp", "source_row"], kind="stable")
    seq = order.groupby("user_id").cumcount()
    n_user = order.groupby("user_id")["user_id"].transform("size")
    r.loc[order.index, "user_seq"] = seq.values
    pos = (n_user - seq).reindex(r.index)
    r["user_seq"] = r["user_seq"].astype("int32")
    r["temporal_split"] = np.where(pos == 1, "test", np.where(pos == 2, "validation", "train"))
    # random split
    perm = np.random.default_rng(seed).permutation(len(r))
    n_train = int(len(r) * (1 - ratio))
    split = np.empty(len(r), dtype=object)
    split[perm[:n_train]] = "train"
    split[perm[n_train:]] = "test"
    r["random_split"] = split
    # movies: title/year split, genre flags, stats
    ty = m["title"].str.extract(r"^(.*?)\s*\((\d{4})[^)]*\)\s*$")
    m["year"] = pd.to_numeric(ty[1], errors="coerce").astype("Int32")
    m["title"] = ty[0].fillna(m["title"])
    flags = m["genres"].str.get_dummies("|")
    stats = r.groupby("movie_id")["rating"].agg(["size", "mean"]).rename(columns={"size": "rating_count", "mean": "rating_mean"})
    m = m.join(stats, on="movie_id").join(flags)
    m["rating_count"] = m["rating_count"].fillna(0).astype("int32")
    # users: stats
    u = r.groupby("user_id").agg(rating_count=("rating", "size"), rating_mean=("rating", "mean"),
                                 rating_std=("rating", "std"),
                                 first_timestamp=("timestamp", "min"), last_timestamp=("timestamp", "max"))
    os.makedirs(out, exist_ok=True)
    r.to_pickle(os.path.join(out, "ratings.pkl"))
    m.to_pickle(os.path.join(out, "movies.pkl"))
    u.to_pickle(os.path.join(out, "users.pkl"))
    print(f"pandas: {r.user_id.nunique()} users, {r.movie_id.nunique()} movies, {len(r)} ratings")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
