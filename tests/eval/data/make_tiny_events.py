"""Writes the two tiny TrackML events used by the `trkx evaluate` CLI test.

The same four-particle event as tests/eval/EvalFixtures.hpp (4 particles x 5
hits, ids from 101, two noise hits), twice:
  event 1000: kP1 split 3 + 2 -> TrackML score 1 - 2 x 0.05 = 0.90
  event 1001: perfect reconstruction -> score 1.00          (mean 0.95)
and graph dumps for event 1000 (hit indices): radius_graph (no score),
gnn (scored; 3 of 4 true kP1 edges pass 0.5); all_submissions.csv holds
both submissions in one file.
Run from this directory: python3 make_tiny_events.py
"""
import math

IDS = [4503599644147712, 4503599644147713, 4503599710781440, 4503599711830016]
WEIGHTS = [0.05, 0.05, 0.04, 0.06]
PTS = [2.0, 0.8, 1.5, 5.0]
ETAS = [0.0, 1.0, -2.0, 0.5]
PHIS = [0.1, 1.2, 2.5, -2.0]


def fmt(x):
    return f"{x:.6g}"


def write(path, rows):
    with open(path, "w") as out:
        out.write("\n".join(rows) + "\n")


all_submissions = ["event_id,hit_id,track_id"]
for event in (1000, 1001):
    prefix = f"event{event:09d}"
    hits = ["hit_id,x,y,z,volume_id,layer_id,module_id"]
    truth = ["hit_id,particle_id,tx,ty,tz,tpx,tpy,tpz,weight"]
    particles = ["particle_id,vx,vy,vz,px,py,pz,q,nhits"]
    for p in range(4):
        px, py = PTS[p] * math.cos(PHIS[p]), PTS[p] * math.sin(PHIS[p])
        pz = PTS[p] * math.sinh(ETAS[p])
        particles.append(",".join([str(IDS[p]), "0", "0", "0", fmt(px), fmt(py), fmt(pz), "1", "5"]))
        for k in range(5):
            hit, r = 101 + 5 * p + k, 30.0 * (k + 1)
            x, y, z = r * math.cos(PHIS[p]), r * math.sin(PHIS[p]), r * math.sinh(ETAS[p])
            hits.append(",".join([str(hit), fmt(x), fmt(y), fmt(z), "8", str(2 * (k + 1)), str(100 + k)]))
            truth.append(",".join([str(hit), str(IDS[p]), fmt(x), fmt(y), fmt(z), fmt(px), fmt(py), fmt(pz),
                                   str(WEIGHTS[p])]))
    for k in range(2):
        hit, x = 121 + k, -40.0 - 10.0 * k
        hits.append(",".join([str(hit), fmt(x), "5", "7", "8", "2", str(300 + k)]))
        truth.append(",".join([str(hit), "0", fmt(x), "5", "7", "0", "0", "0", "0"]))
    write(f"truth/{prefix}-hits.csv", hits)
    write(f"truth/{prefix}-truth.csv", truth)
    write(f"truth/{prefix}-particles.csv", particles)

    track_of = {p: [7 + p] * 5 for p in range(4)}
    if event == 1000:
        track_of[0] = [7, 7, 7, 17, 17]
    submission = ["event_id,hit_id,track_id"]
    for p in range(4):
        for k in range(5):
            submission.append(f"{event},{101 + 5 * p + k},{track_of[p][k]}")
    submission += [f"{event},121,0", f"{event},122,0"]
    write(f"tracks/{prefix}-submission.csv", submission)
    all_submissions += submission[1:]

# Both events in one file, as a TrackML challenge submission.
write("all_submissions.csv", all_submissions)

# Graph dumps of event 1000. Truth: 16 consecutive pairs (4 per particle).
# radius_graph: all 16 true pairs + (0,5) + (20,21): efficiency 16/16, purity 16/18.
radius = ["src,dst"] + [f"{5 * p + k},{5 * p + k + 1}" for p in range(4) for k in range(4)]
radius += ["0,5", "20,21"]
write("tracks/graphs/event000001000-graph-radius_graph.csv", radius)
# gnn: the 4 kP1 pairs with scores 0.9, 0.8, 0.7, 0.2 and (0,5) at 0.6:
# at cut 0.5 -> 4 edges, 3 true: efficiency 3/16, purity 3/4.
gnn = ["hit_id_src,hit_id_dst,score", "101,102,0.9", "102,103,0.8", "103,104,0.7", "104,105,0.2",
       "101,106,0.6"]
write("tracks/graphs/event000001000-graph-gnn.csv", gnn)
