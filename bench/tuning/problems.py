"""The tuning development suite for Optuna: the same problems as problems.ts (names,
distributions and formulas must match it exactly). All minimised."""
import math

HART_A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]]
HART_P = [[v * 1e-4 for v in r] for r in [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]]
HART_ALPHA = [1, 1.2, 3, 3.2]


def floats(t, d, lo, hi):
    return [t.suggest_float(f"x{i}", lo, hi) for i in range(d)]


def ackley5(t):
    x = floats(t, 5, -32.768, 32.768)
    n = len(x)
    return (-20 * math.exp(-0.2 * math.sqrt(sum(v * v for v in x) / n))
            - math.exp(sum(math.cos(2 * math.pi * v) for v in x) / n) + 20 + math.e)


def rastrigin6(t):
    return sum(v * v - 10 * math.cos(2 * math.pi * v) for v in floats(t, 6, -5.12, 5.12)) + 60


def hartmann3(t):
    x = floats(t, 3, 0, 1)
    return -sum(a * math.exp(-sum(HART_A[j][i] * (x[i] - HART_P[j][i]) ** 2 for i in range(3)))
                for j, a in enumerate(HART_ALPHA))


def sixhump(t):
    a = t.suggest_float("x0", -3, 3)
    b = t.suggest_float("x1", -2, 2)
    return (4 - 2.1 * a * a + a ** 4 / 3) * a * a + a * b + (-4 + 4 * b * b) * b * b


def goldstein_price(t):
    x, y = floats(t, 2, -2, 2)
    return ((1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x * x - 14 * y + 6 * x * y + 3 * y * y))
            * (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x * x + 48 * y - 36 * x * y + 27 * y * y)))


def griewank10(t):
    x = floats(t, 10, -600, 600)
    p = 1.0
    for i, v in enumerate(x):
        p *= math.cos(v / math.sqrt(i + 1))
    return 1 + sum(v * v for v in x) / 4000 - p


def dixon_price_int8(t):
    x = [t.suggest_int(f"x{i}", -10, 10) for i in range(8)]
    return (x[0] - 1) ** 2 + sum((i + 1) * (2 * x[i] ** 2 - x[i - 1]) ** 2 for i in range(1, 8))


def lr_schedule(t):
    lr = t.suggest_float("lr", 1e-5, 1, log=True)
    momentum = t.suggest_float("momentum", 0, 0.99)
    warmup = t.suggest_int("warmup", 0, 20)
    batch = t.suggest_int("batch", 8, 1024, log=True)
    return ((math.log10(lr) + 2.5) ** 2 + 2 * (momentum - 0.9) ** 2 + ((warmup - 5) / 10) ** 2
            + (math.log2(batch) - 7) ** 2 / 8 + 0.1)


def model_choice(t):
    model = t.suggest_categorical("model", ["linear", "tree", "net"])
    if model == "linear":
        return 0.3 + 0.02 * (math.log10(t.suggest_float("l2", 1e-6, 10, log=True)) + 2) ** 2
    if model == "tree":
        depth = t.suggest_int("depth", 1, 16)
        min_leaf = t.suggest_int("min_leaf", 1, 100, log=True)
        return 0.15 + 0.004 * (depth - 9) ** 2 + 0.01 * (math.log10(min_leaf) - 1) ** 2
    layers = t.suggest_int("layers", 1, 4)
    width = t.suggest_int("width", 16, 1024, log=True)
    dropout = t.suggest_float("dropout", 0, 0.5)
    return 0.12 + 0.03 * (layers - 3) ** 2 + 0.01 * (math.log2(width) - 8) ** 2 + 0.2 * (dropout - 0.2) ** 2


def dtlz2_3obj(t):
    x = floats(t, 8, 0, 1)
    g = sum((v - 0.5) ** 2 for v in x[2:])
    h = math.pi / 2
    return [(1 + g) * math.cos(x[0] * h) * math.cos(x[1] * h),
            (1 + g) * math.cos(x[0] * h) * math.sin(x[1] * h),
            (1 + g) * math.sin(x[0] * h)]


PROBLEMS = {f.__name__: (f, 3 if f is dtlz2_3obj else 1) for f in
            [ackley5, rastrigin6, hartmann3, sixhump, goldstein_price, griewank10,
             dixon_price_int8, lr_schedule, model_choice, dtlz2_3obj]}
