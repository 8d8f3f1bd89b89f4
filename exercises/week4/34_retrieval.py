"""Exercise 34 — retrieval: the nearest neighbours of a query among codes.

An encoder (PCA, an autoencoder) turns every image into a short code.  Similar
images should get nearby codes, so "find images like this one" becomes "find
the codes nearest to this one's code".  Here you write that search, by brute
force: measure the distance from the query to every code, and sort.

Shapes:

    codes   (N, K)   N stored codes, one per row
    query   (K,)     one query code  → returns (k,)   indices into codes
            (Q, K)   Q query codes   → returns (Q, k) indices, row q for query[q]

Distance: Euclidean, ‖codes[i] − query‖.  The squared distance Σⱼ (codes[i, j] − query[j])²
sorts the rows in the same order (the square root is increasing), so either
one is fine.  For Q queries at once, broadcasting gives every pair:
codes[None, :, :] − query[:, None, :] has shape (Q, N, K); sum its squares over
the last axis to get the (Q, N) distances (or expand ‖a − b‖² = ‖a‖² − 2 a·b + ‖b‖²
to save memory).

Order: nearest first, so result[0] (or result[q, 0]) is the index of the
nearest code.  Ties: codes at exactly the same distance come in increasing index
order — that is what a stable sort gives, np.argsort(d, kind="stable").
The query is NOT excluded: if it is itself a row of codes, that row comes
first, at distance 0 (a caller who wants it gone asks for k + 1 and drops it).

Return integer indices (an array from np.argsort is), not the distances.
Assume 1 ≤ k ≤ N.  Do not modify codes or query.
"""

import numpy as np


def nearest_neighbours(codes: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k rows of codes nearest to query (each row of query), nearest first."""
    # TODO: remember whether query is one code (query.ndim == 1); if so, make it a (1, K) batch
    # TODO: the (Q, N) squared distances from every query row to every code
    # TODO: sort each row of distances, nearest first, ties by index: np.argsort(..., axis=1, kind="stable")
    # TODO: keep the first k columns; return a (k,) array for a 1-D query, (Q, k) otherwise
    raise NotImplementedError("nearest_neighbours")
