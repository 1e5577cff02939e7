"""scikit-learn's side of bench/tabular_vs_sklearn.sh: fits HistGradientBoosting and a linear model (logistic
regression or ridge, on standardised features, their regularisation chosen by 5-fold cross-validation on the
training rows) on one training CSV and scores them on the test CSV. Prints one JSON line per model."""
import argparse, json, time
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegressionCV, RidgeCV
from sklearn.metrics import log_loss, mean_squared_error, roc_auc_score, accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

p = argparse.ArgumentParser()
p.add_argument("--train", required=True)
p.add_argument("--test", required=True)
p.add_argument("--task", choices=["binary", "regression", "classification"], required=True)
p.add_argument("--seed", type=int, default=0)
a = p.parse_args()


def load(path):
    d = np.genfromtxt(path, delimiter=",", skip_header=1)
    return d[:, :-1], d[:, -1]


xtr, ytr = load(a.train)
xte, yte = load(a.test)
if a.task == "regression":
    models = {
        "HistGradientBoostingRegressor": HistGradientBoostingRegressor(random_state=a.seed),
        "Ridge (CV alpha)": make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13))),
    }
else:
    ytr, yte = ytr.astype(int), yte.astype(int)
    models = {
        "HistGradientBoostingClassifier": HistGradientBoostingClassifier(random_state=a.seed),
        "LogisticRegression (CV C)": make_pipeline(StandardScaler(), LogisticRegressionCV(Cs=13, max_iter=5000)),
    }
for name, m in models.items():
    t0 = time.time()
    m.fit(xtr, ytr)
    r = {"model": name, "fit_seconds": time.time() - t0}
    if a.task == "regression":
        r["test_rmse"] = float(np.sqrt(mean_squared_error(yte, m.predict(xte))))
    else:
        pr = m.predict_proba(xte)
        r["test_log_loss"] = float(log_loss(yte, pr, labels=sorted(set(ytr))))
        r["test_accuracy"] = float(accuracy_score(yte, pr.argmax(1)))
        if a.task == "binary":
            r["test_auc"] = float(roc_auc_score(yte, pr[:, 1]))
    print(json.dumps(r))
