// Live quizzes (docs/protocol.md, "Quizzes"): the question card on the room page and the
// quiz part of the host console. Texts come in every language; each page shows its own.
// Countdowns follow the server's clock: `now` in quiz.question / quiz.answered gives the
// offset between this device's clock and the server's.

function fill(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_match, name) => String(values[name] ?? ""));
}

function pick(texts, lang, fallback) {
  return texts[lang] || texts[lang.split("-")[0]] || texts[fallback] || texts.en || Object.values(texts)[0] || "";
}

class ServerClock {
  constructor() { this.offset = 0; }
  sync(serverNow) { if (typeof serverNow === "number") this.offset = serverNow * 1000 - Date.now(); }
  secondsUntil(deadline) { return Math.max(0, Math.ceil((deadline * 1000 - (Date.now() + this.offset)) / 1000)); }
}

function renderBoard(list, rows) {
  list.replaceChildren(...rows.map((row) => {
    const item = document.createElement("li");
    item.textContent = `${row.name} · ${row.correct} ✓ · ${(row.time_ms / 1000).toFixed(1)} s`;
    item.dataset.userId = row.user_id;
    return item;
  }));
}

function percent(count, total) { return total ? Math.round((100 * count) / total) : 0; }

// Viewer page ------------------------------------------------------------------------------
export function bindQuiz(client, root) {
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const lang = root.dataset.lang || document.documentElement.lang || "en";
  const fallback = root.dataset.fallback || "en";
  const clock = new ServerClock();
  const signedIn = root.dataset.signedIn === "1";
  let me = null;
  let quiz = null; // {id, title, questions, ...}
  let question = null;
  let chosen = null;
  let pendingRef = null;
  const answered = new Map(); // question run id -> option id (this page's answers)

  const note = (text) => { $("quiz-note").textContent = text; };

  function showQuestion() {
    root.hidden = !quiz;
    if (!quiz) return;
    $("quiz-title").textContent = quiz.title;
    $("quiz-board").hidden = !(quiz.leaderboard || []).length;
    renderBoard($("quiz-leaderboard"), quiz.leaderboard || []);
    if (!question) { $("quiz-question").textContent = ""; $("quiz-options").replaceChildren(); $("quiz-number").textContent = ""; return; }
    chosen = answered.get(question.id) ?? null;
    $("quiz-number").textContent = fill(root.dataset.number, { number: question.number, total: question.of });
    $("quiz-question").textContent = pick(question.texts, lang, fallback);
    const total = question.answers || 0;
    $("quiz-options").replaceChildren(...question.options.map((option) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "quiz-option";
      button.dataset.option = option.id;
      button.dir = "auto";
      button.textContent = pick(option.texts, lang, fallback); // textContent: merchant text is never HTML
      if (chosen === option.id) button.classList.add("chosen");
      if (question.revealed) {
        const count = question.distribution?.[String(option.id)] || 0;
        button.classList.toggle("correct", option.id === question.correct);
        button.style.setProperty("--share", `${percent(count, total)}%`);
        const tally = document.createElement("span");
        tally.className = "quiz-tally";
        tally.textContent = ` ${count} · ${percent(count, total)}%`;
        button.append(tally);
      }
      button.disabled = question.revealed || chosen !== null || !signedIn || clock.secondsUntil(question.deadline) === 0;
      button.addEventListener("click", () => answer(option.id));
      item.append(button);
      return item;
    }));
    if (question.revealed) {
      note(chosen === null ? root.dataset.missed : chosen === question.correct ? root.dataset.right : root.dataset.wrong);
    } else if (!signedIn) {
      note(root.dataset.signIn);
    } else if (chosen !== null) {
      note(root.dataset.answered);
    } else {
      note("");
    }
    tick();
  }

  function tick() {
    const countdown = $("quiz-countdown");
    if (!question || question.revealed) { countdown.textContent = ""; return; }
    const seconds = clock.secondsUntil(question.deadline);
    countdown.textContent = seconds ? fill(root.dataset.left, { seconds }) : root.dataset.closed;
    countdown.classList.toggle("urgent", seconds > 0 && seconds <= 5);
    if (!seconds) for (const button of root.querySelectorAll(".quiz-option")) button.disabled = true;
  }
  setInterval(tick, 250);

  function answer(optionId) {
    if (!question || chosen !== null) return;
    chosen = optionId;
    for (const button of root.querySelectorAll(".quiz-option")) {
      button.disabled = true;
      button.classList.toggle("chosen", Number(button.dataset.option) === optionId);
    }
    pendingRef = client.send("quiz.answer", { question_run: question.id, option: optionId });
    if (!pendingRef) { chosen = null; showQuestion(); }
  }

  client.addEventListener("room.snapshot", ({ detail }) => {
    const identity = detail.you?.identity || "";
    me = identity.startsWith("user-") ? Number(identity.slice(5)) : null;
    quiz = detail.quiz || null;
    clock.sync(quiz?.now);
    question = quiz?.question || null;
    showQuestion();
  });
  client.addEventListener("quiz.started", ({ detail }) => {
    quiz = detail.quiz; question = null;
    $("quiz-won").hidden = true; $("quiz-winners").hidden = true;
    showQuestion();
  });
  client.addEventListener("quiz.question", ({ detail }) => {
    clock.sync(detail.now);
    if (!quiz || quiz.id !== detail.quiz) quiz = { id: detail.quiz, title: quiz?.title || "", leaderboard: [] };
    question = detail.question;
    $("quiz-winners").hidden = true;
    showQuestion();
  });
  client.addEventListener("quiz.answered", ({ detail }) => {
    clock.sync(detail.now);
    answered.set(detail.question_run, detail.option);
    if (question?.id === detail.question_run) { chosen = detail.option; note(root.dataset.answered); }
  });
  client.addEventListener("quiz.revealed", ({ detail }) => {
    if (quiz) quiz.leaderboard = detail.leaderboard;
    question = detail.question;
    showQuestion();
  });
  client.addEventListener("quiz.winners", ({ detail }) => {
    if (me !== null && detail.user_ids.includes(me)) $("quiz-won").hidden = false;
    const more = detail.count > detail.names.length ? ` ${fill(root.dataset.more, { count: detail.count - detail.names.length })}` : "";
    $("quiz-winners").textContent = fill(root.dataset.winners, { names: detail.names.join(", ") }) + more;
    $("quiz-winners").hidden = false;
  });
  client.addEventListener("quiz.ended", ({ detail }) => {
    if (quiz) quiz.leaderboard = detail.leaderboard;
    question = null;
    showQuestion();
    note(root.dataset.ended);
    $("quiz-board").hidden = !detail.leaderboard.length;
    $("quiz-board").open = true;
    setTimeout(() => { if (!question) { quiz = null; root.hidden = $("quiz-won").hidden; } }, 60000);
  });
  client.addEventListener("error", ({ detail }) => {
    if (!pendingRef || detail.ref !== pendingRef) return;
    pendingRef = null;
    if (detail.code !== "quiz_already_answered") chosen = null;
    note(root.dataset[`err-${detail.code}`.replace(/-([a-z])/g, (_m, c) => c.toUpperCase())] || detail.message);
    for (const button of root.querySelectorAll(".quiz-option")) button.disabled = chosen !== null || detail.code === "quiz_closed";
  });
}

// Host console ------------------------------------------------------------------------------
export function bindQuizConsole(client, root, act) {
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const lang = root.dataset.lang || "en";
  const clock = new ServerClock();
  let question = null;
  let answers = 0;

  function status() {
    if (!question) return;
    const parts = [fill(root.dataset.number, { number: question.number, total: question.of }), pick(question.texts, lang, "en")];
    if (!question.revealed) {
      const seconds = clock.secondsUntil(question.deadline);
      parts.push(seconds ? fill(root.dataset.left, { seconds }) : root.dataset.closed);
    }
    parts.push(fill(root.dataset.answers, { count: question.revealed ? question.answers : answers }));
    $("quiz-status").textContent = parts.join(" · ");
  }
  setInterval(status, 500);

  function showQuestion(payload) {
    question = payload;
    const total = question.answers || 0;
    $("quiz-host-options").replaceChildren(...question.options.map((option) => {
      const item = document.createElement("li");
      const count = question.distribution?.[String(option.id)];
      item.textContent = pick(option.texts, lang, "en") + (question.revealed ? ` · ${count} (${percent(count, total)}%)` : "");
      item.classList.toggle("correct", question.revealed && option.id === question.correct);
      return item;
    }));
    status();
  }

  $("quiz-start-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act("quiz_start", { quiz_set: $("quiz-set").value });
  });
  $("quiz-launch").addEventListener("click", () => act("quiz_launch"));
  $("quiz-reveal").addEventListener("click", () => act("quiz_reveal"));
  $("quiz-end").addEventListener("click", () => act("quiz_end"));

  client.addEventListener("room.snapshot", ({ detail }) => {
    const quiz = detail.quiz;
    if (!quiz) { $("quiz-status").textContent = root.dataset.none; return; }
    clock.sync(quiz.now);
    renderBoard($("quiz-host-leaderboard"), quiz.leaderboard);
    if (quiz.question) showQuestion(quiz.question);
    else $("quiz-status").textContent = quiz.title;
  });
  client.addEventListener("quiz.started", ({ detail }) => {
    $("quiz-status").textContent = detail.quiz.title;
    $("quiz-host-options").replaceChildren();
    renderBoard($("quiz-host-leaderboard"), []);
  });
  client.addEventListener("quiz.question", ({ detail }) => { clock.sync(detail.now); answers = 0; showQuestion(detail.question); });
  client.addEventListener("quiz.progress", ({ detail }) => { if (question?.id === detail.question_run) { answers = detail.answers; status(); } });
  client.addEventListener("quiz.revealed", ({ detail }) => { showQuestion(detail.question); renderBoard($("quiz-host-leaderboard"), detail.leaderboard); });
  client.addEventListener("quiz.ended", ({ detail }) => {
    question = null;
    $("quiz-status").textContent = root.dataset.ended;
    renderBoard($("quiz-host-leaderboard"), detail.leaderboard);
  });
}
