"""Own answers of a chat checkpoint in the shapes of real traffic: mean reward and the share that names the asked topic.

  [ENACTION_TRAIN_DEVICE=cuda] [N=96] python3 tools/fixture-model/check_shapes.py [CHECKPOINT] [train|heldout]

Shapes: the fixed training wordings, composed wordings, held-out wordings under a held-out system prompt, 2-3
earlier rounds, a tool call and its result before the answer. Sampling at T=1 (seed 3), N prompts per shape.
"""
import sys, random, os
FM = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, FM)
import torch; torch.set_num_threads(2)
if os.environ.get('ENACTION_TRAIN_DEVICE','cpu')!='cpu': torch.set_default_device(os.environ['ENACTION_TRAIN_DEVICE'])
import corpus
from bpe import Tokenizer
from export import load_checkpoint
from lm import encode_chat, generate
tok = Tokenizer.load(FM + '/out/tokenizer')
tasks = corpus.Tasks(1234)
m = load_checkpoint(sys.argv[1] if len(sys.argv) > 1 else FM + '/out/chat.pt')
split = sys.argv[2] if len(sys.argv) > 2 else 'train'
N = int(os.environ.get('N', 24))
def ctx(shape, rng, it, e):
    if shape == 'fixed': return [{"role":"user","content":it["prompt"]}]
    if shape == 'composed': return [{"role":"user","content":corpus.compose_open(rng, e)}]
    if shape == 'heldout-wording': return [{"role":"system","content":rng.choice(corpus.HELDOUT_SYSTEMS)},{"role":"user","content":corpus.compose_open(rng, e, heldout=True)}]
    if shape == 'history':
        h = []
        for _ in range(rng.choice([2,3])): h += tasks.exchange(rng, tasks.sample(rng, rng.choice(["arith","facts","open"]), split))
        return h + [{"role":"user","content":it["prompt"]}]
    if shape == 'tool':
        return [{"role":"user","content":it["prompt"]}] + tasks.tool_exchange(rng, it)
for fam in ['open', 'facts']:
  for shape in ['fixed','composed','heldout-wording','history','tool']:
    rng = random.Random(7)
    items = [tasks.sample(rng, fam, split, wording=0.0) for _ in range(N)]
    msgs = []
    for it in items:
        e = tasks.world.by_name[it['topic'] if fam == 'open' else it['item'][0]]
        if fam == 'facts' and shape in ('composed','heldout-wording'):
            mm = [{"role":"user","content":corpus.compose_fact(rng, it['prompt'])}]
        else:
            mm = ctx(shape, rng, it, e)
        msgs.append(mm)
    outs = generate(m, [encode_chat(tok, mm, True) for mm in msgs], max_new=130, temperature=1.0, seed=3)
    texts = [tok.decode(o) for o in outs]
    rw = [tasks.reward(it, t) for it, t in zip(items, texts)]
    named = [ (it['topic'] if fam=='open' else it['item'][0]).lower() in t.lower() for it, t in zip(items, texts)]
    print(f"{fam:6s} {shape:16s} reward {sum(rw)/N:.3f} names-topic {sum(named)/N:.2f}  e.g. {texts[0][:70]!r}", flush=True)
