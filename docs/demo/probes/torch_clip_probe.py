# A PyTorch copy of the demo's contrastive set-up, to tell the method from our engine (docs/demo/unimo2-2100/report.md,
# "CNN towers"): a CNN image tower (a 3-conv net, or with "arch": "resnet" resnet-tiny's shape with a stride-2
# stem) with a flatten or mean head, a 2-layer pre-LN text transformer on a word-level vocabulary (mean
# pooling, or "cls": 1 a [CLS] token; "bert": 1 draws every weight at std 0.02 as our bert-tiny does), ITC
# with a learnable CLIP logit scale, AdamW, cosine schedule with 5% warm-up, batch 128, optional +-2 px shift
# and brightness / contrast jitter ("aug"). Evaluates image -> name R@1 / R@5 among all names and the 9-way
# category on the Apple style. Needs `apt-get install python3-torch libopenblas0-pthread python3-pil`.
# Switches that turn it, one part at a time, into our stack (the bisection in docs/demo/unimo2-2100/report.md, "What the
# gap was"): "tdirect" the temperature itself as the parameter (ALBEF) instead of a log logit scale,
# "eln" a LayerNorm after the text embeddings (BERT), "clipnorm" CLIP's pixel mean / std, "kaiming" convs at
# kaiming-normal fan-out and Linears at std 0.02, "proj2" + "p2img" a second Linear (std 0.02; "p2def" torch's
# default init, "p2id" the identity) after the image head, as our visionProj after the ResNet head was, and
# "clip" gradient clipping at that norm. Printed per 50 steps: step, loss, temperature or log scale, seconds.
# Settings come as one JSON argument, e.g.
#   VLP_CORPUS=vlp-demo/corpus TH=1 /usr/bin/python3 docs/demo/probes/torch_clip_probe.py \
#     '{"steps":1000,"arch":"resnet","embed":256,"tw":128,"nameShare":0.75}'
import json, os, sys, time, re, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from PIL import Image
torch.set_num_threads(int(os.environ.get('TH','1'))); torch.manual_seed(0); np.random.seed(0)
D=os.environ.get('VLP_CORPUS','vlp-demo/corpus')
cfg=json.loads(sys.argv[1]) if len(sys.argv)>1 else {}
S=cfg.get('size',32)
def load(p):
    im=Image.open(os.path.join(D,p)).convert('RGBA').resize((S,S),Image.BILINEAR)
    a=np.asarray(im).astype(np.float32)/255
    return a[...,:3]*a[...,3:]+(1-a[...,3:])
pairs=[json.loads(l) for l in open(D+'/pairs.jsonl')]
ev=[json.loads(l) for l in open(D+'/eval.jsonl')]
X=torch.tensor(np.stack([load(r['image']) for r in pairs])).permute(0,3,1,2)
XA=torch.tensor(np.stack([load(r['image']) for r in ev])).permute(0,3,1,2)
mu=X.mean((0,2,3),keepdim=True); sd=X.std((0,2,3),keepdim=True)
if cfg.get('clipnorm'): mu=torch.tensor([0.48145466,0.4578275,0.40821073]).view(1,3,1,1); sd=torch.tensor([0.26862954,0.26130258,0.27577711]).view(1,3,1,1)
X=(X-mu)/sd; XA=(XA-mu)/sd
tokz=lambda s: re.findall(r"[a-z0-9]+|[^\sa-z0-9]",s.lower())
vocab={'[pad]':0,'[unk]':1}
for r in pairs:
    for c in r['caption']:
        for w in tokz(c): vocab.setdefault(w,len(vocab))
L=12
vocab.setdefault('[cls]',len(vocab))
def enc(s):
    ids=([vocab['[cls]']] if cfg.get('cls') else [])+[vocab.get(w,1) for w in tokz(s)]
    ids=ids[:L]; return ids+[0]*(L-len(ids))
names=[r['name'] for r in ev]
E=cfg.get('embed',128); W=cfg.get('tw',64)
class Txt(nn.Module):
    def __init__(s):
        super().__init__(); s.emb=nn.Embedding(len(vocab),W); s.pos=nn.Parameter(torch.zeros(L,W))
        s.tf=nn.TransformerEncoder(nn.TransformerEncoderLayer(W,2,W*2,0.0,batch_first=True,norm_first=True),cfg.get('tl',2))
        s.ln=nn.LayerNorm(W); s.proj=nn.Linear(W,E); s.eln=nn.LayerNorm(W) if cfg.get('eln') else nn.Identity(); s.p2=nn.Linear(E,E) if (cfg.get('proj2') and not cfg.get('p2img')) else nn.Identity()
        if cfg.get('bert'):
            for n,p in s.named_parameters():
                if p.dim()>1: nn.init.trunc_normal_(p,std=0.02)
                elif 'pos' in n: nn.init.trunc_normal_(p,std=0.02)
    def forward(s,ids):
        m=ids==0; h=s.tf(s.eln(s.emb(ids)+s.pos),src_key_padding_mask=m); h=s.ln(h)
        if cfg.get('cls'): return F.normalize(s.p2(s.proj(h[:,0])),dim=-1)
        h=(h*(~m)[...,None]).sum(1)/(~m).sum(1,keepdim=True).clamp(min=1); return F.normalize(s.proj(h),dim=-1)
def cbr(i,o,st=1): return nn.Sequential(nn.Conv2d(i,o,3,st,1,bias=False),nn.BatchNorm2d(o),nn.ReLU())
class Basic(nn.Module):
    def __init__(s,i,o,st):
        super().__init__(); s.a=cbr(i,o,st); s.b=nn.Sequential(nn.Conv2d(o,o,3,1,1,bias=False),nn.BatchNorm2d(o))
        s.d=None if (st==1 and i==o) else nn.Sequential(nn.Conv2d(i,o,1,st,bias=False),nn.BatchNorm2d(o))
    def forward(s,x): return F.relu(s.b(s.a(x))+(x if s.d is None else s.d(x)))
class Img(nn.Module):
    def __init__(s):
        super().__init__(); w=cfg.get('cw',[16,32,64])
        if cfg.get('arch')=='resnet':
            ss=cfg.get('stemStride',2)
            s.f=nn.Sequential(cbr(3,16,ss),Basic(16,w[0],1),Basic(w[0],w[1],2),Basic(w[1],w[2],2)); g=S//ss//4
        else:
            s.f=nn.Sequential(cbr(3,w[0]),cbr(w[0],w[1],2),cbr(w[1],w[2],2)); g=S//4  # 8x8
        s.head=cfg.get('head','flat')
        s.proj=nn.Linear(w[2]*(g*g if s.head=='flat' else 1),E); s.p2=nn.Linear(E,E) if cfg.get('proj2') else nn.Identity()
        if cfg.get('kaiming'):
            for mm in s.modules():
                if isinstance(mm,nn.Conv2d): nn.init.kaiming_normal_(mm.weight,mode='fan_out',nonlinearity='relu')
                if isinstance(mm,nn.Linear): nn.init.trunc_normal_(mm.weight,std=0.02); nn.init.zeros_(mm.bias)
        if cfg.get('p2id'):
            with torch.no_grad(): s.p2.weight.copy_(torch.eye(E)); s.p2.bias.zero_()
        elif cfg.get('proj2') and not cfg.get('p2def'):
            nn.init.trunc_normal_(s.p2.weight,std=0.02); nn.init.zeros_(s.p2.bias)
    def forward(s,x):
        h=s.f(x)
        h=h.flatten(1) if s.head=='flat' else h.mean((2,3))
        return F.normalize(s.p2(s.proj(h)),dim=-1)
ti,tt=Img(),Txt(); logit=nn.Parameter(torch.tensor(0.07 if cfg.get('tdirect') else np.log(1/0.07),dtype=torch.float32))
opt=torch.optim.AdamW(list(ti.parameters())+list(tt.parameters())+[logit],lr=cfg.get('lr',3e-3),weight_decay=0.02)
steps=cfg.get('steps',1000); B=cfg.get('bs',128); ns=cfg.get('nameShare',0.5); E2=cfg.get('dim',0)
capids=[[enc(c) for c in r['caption']] for r in pairs]
def aug(x):
    if not cfg.get('aug',1): return x
    # random translate by up to 2px + brightness/contrast jitter
    pad=F.pad(x,(2,2,2,2),mode='replicate'); b=x.shape[0]
    dx,dy=np.random.randint(0,5,2); x=pad[:,:,dy:dy+S,dx:dx+S]
    return x*(1+0.2*(torch.rand(b,1,1,1)-0.5))+0.2*(torch.rand(b,1,1,1)-0.5)
t0=time.time()
for st in range(steps):
    idx=np.random.randint(0,len(pairs),B)
    ids=torch.tensor([capids[i][0] if np.random.rand()<ns else capids[i][np.random.randint(len(capids[i]))] for i in idx])
    lr=cfg.get('lr',3e-3)*min(1,(st+1)/(steps*0.05))*0.5*(1+np.cos(np.pi*st/steps))
    for g in opt.param_groups: g['lr']=lr
    zi=ti(aug(X[idx])); zt=tt(ids); s=(zi@zt.T/logit.clamp(0.001,0.5)) if cfg.get('tdirect') else logit.exp().clamp(max=100)*zi@zt.T
    # multi-positive targets: same caption ids
    lab=torch.arange(B); loss=(F.cross_entropy(s,lab)+F.cross_entropy(s.T,lab))/2
    opt.zero_grad(); loss.backward()
    if cfg.get('clip'): torch.nn.utils.clip_grad_norm_(list(ti.parameters())+list(tt.parameters())+[logit],cfg['clip'])
    opt.step()
    if st%50==0 or st==steps-1: print(st,round(loss.item(),3),round(float(logit),4),round(time.time()-t0),'s',flush=True)
ti.eval(); tt.eval()
with torch.no_grad():
    zi=torch.cat([ti(XA[i:i+256]) for i in range(0,len(XA),256)])
    zt=torch.cat([tt(torch.tensor([enc(n) for n in names[i:i+256]])) for i in range(0,len(names),256)])
    Sm=zi@zt.T; d=Sm.diag()[:,None]; rank=(Sm>d).sum(1)
    # train-style check (google)
    CP={'Smileys & Emotion':'smiley face','People & Body':'person','Animals & Nature':'animal or plant','Food & Drink':'food or drink','Travel & Places':'place or vehicle','Activities':'sport or game','Objects':'object','Symbols':'symbol or sign','Flags':'flag'}
    cats=list(CP); tm=['{}','an emoji of a {}','a picture of a {}']
    ce=torch.stack([F.normalize(tt(torch.tensor([enc(t.replace('{}',CP[c])) for t in tm])).mean(0),dim=-1) for c in cats])
    pred=(zi@ce.T).argmax(1); truth=torch.tensor([cats.index(r['category']) for r in ev])
    catacc=100*(pred==truth).float().mean().item()
print('CAT %.1f'%catacc)
print('RESULT',json.dumps(cfg),'steps',steps,'time',round(time.time()-t0),'R@1 %.1f R@5 %.1f'%(100*(rank<1).float().mean(),100*(rank<5).float().mean()))
