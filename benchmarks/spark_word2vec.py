"""Spark MLlib's Word2Vec on a text file of lines, written as word2vec text (run by cluster.py).

    SPARK_PYTHON benchmarks/spark_word2vec.py --train LINES --output VEC.txt [--size 100]
        [--window 5] [--min-count 5] [--iter 5] [--partitions 2] [--threads 2] [--alpha 0.025]

Needs a Python with pyspark (``pip install "pyspark[ml]"``) and a Java runtime. Spark runs in local
mode (``local[THREADS]``, bound to 127.0.0.1, no UI). MLlib's Word2Vec is skip-gram with
hierarchical softmax: it has no negative sampling and no subsampling of frequent words; each of
``--partitions`` partitions trains on its share of the data and the partitions' models are merged
once per iteration (``--iter``). Prints one JSON line of timings.
"""
import argparse
import json
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--iter", type=int, default=5)
    ap.add_argument("--partitions", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--alpha", type=float, default=0.025)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--driver-memory", default="6g")
    a = ap.parse_args()

    t0 = time.perf_counter()
    from pyspark.ml.feature import Word2Vec
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master(f"local[{a.threads}]")
             .config("spark.driver.memory", a.driver_memory)
             .config("spark.driver.host", "127.0.0.1")
             .config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.ui.enabled", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    t1 = time.perf_counter()
    lines = spark.read.text(a.train)
    sentences = lines.selectExpr("filter(split(value, '[ \\t]+'), w -> w != '') AS words")
    sentences = sentences.repartition(a.partitions).cache()
    n_lines = sentences.count()
    t2 = time.perf_counter()
    model = Word2Vec(vectorSize=a.size, windowSize=a.window, minCount=a.min_count,
                     maxIter=a.iter, numPartitions=a.partitions, stepSize=a.alpha, seed=a.seed,
                     maxSentenceLength=1000, inputCol="words", outputCol="vector").fit(sentences)
    t3 = time.perf_counter()
    rows = model.getVectors().collect()
    with open(a.output, "w", encoding="utf-8") as fh:
        fh.write(f"{len(rows)} {a.size}\n")
        for row in rows:
            fh.write(row["word"] + " " + " ".join(f"{x:.6g}" for x in row["vector"]) + "\n")
    t4 = time.perf_counter()
    spark.stop()
    print(json.dumps({"spark_start_s": t1 - t0, "load_s": t2 - t1, "fit_s": t3 - t2,
                      "write_s": t4 - t3, "lines": n_lines, "vocab": len(rows)}))


if __name__ == "__main__":
    main()
