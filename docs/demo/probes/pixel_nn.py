# How far raw pixels go on the demo's retrieval task: each Apple-style emoji matched, by cosine on centred
# pixels, to the same emoji in the training styles (Google alone, or the mean of Google, Twitter, Facebook),
# and the same after a PCA to d dimensions fitted on the training styles. Needs a demo corpus (`vlp demo`
# writes one to <out>/corpus) and Debian's python3-numpy and python3-pil (`apt-get install python3-numpy python3-pil`).
#   /usr/bin/python3 docs/demo/probes/pixel_nn.py vlp-demo/corpus
import json, os, sys
import numpy as np
from PIL import Image

D = sys.argv[1] if len(sys.argv) > 1 else 'vlp-demo/corpus'
rows = [json.loads(l) for l in open(os.path.join(D, 'eval.jsonl'))]
files = [r['image'].split('/')[-1] for r in rows]


def load(p, s=16):
    a = np.asarray(Image.open(p).convert('RGBA').resize((s, s), Image.BILINEAR)).astype(np.float32) / 255
    return (a[..., :3] * a[..., 3:] + (1 - a[..., 3:])).ravel()  # on white


def norm(x):
    x = x - x.mean(1, keepdims=True)
    return x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-8)


def recall(a, p):
    s = norm(a) @ norm(p).T
    rank = (s > np.diag(s)[:, None]).sum(1)
    return 100 * (rank < 1).mean(), 100 * (rank < 5).mean()


A = np.array([load(os.path.join(D, 'images/apple', f)) for f in files])
styles = ('google', 'twitter', 'facebook')
have = {s: np.array([os.path.exists(os.path.join(D, 'images', s, f)) for f in files]) for s in styles}
St = {s: np.array([load(os.path.join(D, 'images', s, f)) if h else np.zeros(768) for f, h in zip(files, have[s])]) for s in styles}
print('apple -> google, R@1 / R@5: %.1f / %.1f' % recall(A, St['google']))
P = sum(norm(St[s]) * have[s][:, None] for s in styles) / np.maximum(1, sum(have[s][:, None] for s in styles))
print('apple -> mean of 3 styles: %.1f / %.1f' % recall(A, P))
X = np.concatenate([St[s][have[s]] for s in styles])
mu = X.mean(0)
_, _, vt = np.linalg.svd(X - mu, full_matrices=False)
for d in (16, 32, 64, 128, 256):
    w = vt[:d].T
    print('PCA %3d dims: %.1f / %.1f' % ((d,) + recall((A - mu) @ w, (P - mu) @ w)))
