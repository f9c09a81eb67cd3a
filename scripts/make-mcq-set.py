#!/usr/bin/env python3
"""Build the labelled multiple-choice set (tests/data/data/mcq_labelled.jsonl):
positives are exam-style items in several languages and layouts (one option
per line, inline, (A)/A./A)/A、/1)/①/Cyrillic/fullwidth labels, with and
without answer keys, alone or inside a page); negatives are the usual false
positives: numbered steps, outlines, legal (a)(b)(c) clauses, Q&A answered
with a list, grades/plans named A/B/C, tables of contents.
Each line: {"text", "label": 1|0, "lang", "kind"}."""
import json, random, sys

Q = {
    'en': [("Which of the following is a prime number?", ["4", "9", "11", "15"], "C"),
           ("What is the capital of Australia?", ["Sydney", "Canberra", "Melbourne", "Perth"], "B"),
           ("Which gas do plants absorb during photosynthesis?", ["Oxygen", "Nitrogen", "Carbon dioxide", "Helium"], "C"),
           ("The derivative of sin(x) is:", ["cos(x)", "-cos(x)", "tan(x)", "-sin(x)"], "A"),
           ("Which data structure uses FIFO order?", ["Stack", "Queue", "Tree", "Heap"], "B"),
           ("Who wrote 'Pride and Prejudice'?", ["Jane Austen", "Charlotte Bronte", "Mary Shelley", "George Eliot"], "A")],
    'zh': [("下列哪个数是质数？", ["4", "9", "11", "15"], "C"),
           ("中国的首都是哪个城市？", ["上海", "北京", "广州", "深圳"], "B"),
           ("下列选项中，属于哺乳动物的是", ["鲨鱼", "海豚", "青蛙", "鳄鱼"], "B"),
           ("以下关于光合作用的说法正确的是", ["只在夜间进行", "需要光照", "不需要水", "释放二氧化碳"], "B")],
    'fr': [("Quelle est la capitale du Canada ?", ["Toronto", "Montréal", "Ottawa", "Vancouver"], "C"),
           ("Laquelle de ces planètes est la plus grande ?", ["Mars", "Jupiter", "Vénus", "Terre"], "B"),
           ("Quel est le résultat de 7 x 8 ?", ["54", "56", "58", "64"], "B")],
    'es': [("¿Cuál es el océano más grande?", ["Atlántico", "Índico", "Pacífico", "Ártico"], "C"),
           ("¿Cuál de los siguientes es un mamífero?", ["Tiburón", "Ballena", "Trucha", "Pulpo"], "B"),
           ("Seleccione la forma correcta del verbo:", ["yo sabo", "yo sé", "yo sabe", "yo saben"], "B")],
    'de': [("Welche Stadt ist die Hauptstadt von Deutschland?", ["München", "Hamburg", "Berlin", "Köln"], "C"),
           ("Welcher Planet ist der Sonne am nächsten?", ["Venus", "Merkur", "Mars", "Erde"], "B"),
           ("Wie viele Seiten hat ein Sechseck?", ["5", "6", "7", "8"], "B")],
    'ru': [("Какой город является столицей России?", ["Санкт-Петербург", "Москва", "Казань", "Новосибирск"], "Б"),
           ("Какая планета известна как Красная планета?", ["Венера", "Марс", "Юпитер", "Сатурн"], "Б"),
           ("Выберите правильный ответ: 5 + 7 =", ["11", "12", "13", "14"], "Б")],
    'ja': [("次のうち、日本の首都はどれですか。", ["大阪", "京都", "東京", "名古屋"], "C"),
           ("次の中から正しいものを選びなさい。", ["水は100度で凍る", "水は0度で凍る", "水は50度で凍る", "水は凍らない"], "B")],
}
KEY = {'en': ["Answer: {}", "Correct answer: {}", "Ans: ({})", "The answer is {}."], 'zh': ["答案：{}", "正确答案：{}", "【答案】{}"],
       'fr': ["Réponse : {}", "Bonne réponse : {}"], 'es': ["Respuesta: {}", "Respuesta correcta: {}"],
       'de': ["Antwort: {}", "Lösung: {}"], 'ru': ["Ответ: {}", "Правильный ответ: {}"], 'ja': ["正解：{}", "答え：{}"]}
PAGE = {'en': ("Practice test - Unit 3\nAnswer all questions. Time allowed: 30 minutes.", "End of section. Turn the page."),
        'zh': ("期末考试模拟题（第三单元）\n请认真作答。", "本节结束。"),
        'fr': ("Examen blanc - Chapitre 2\nRépondez à toutes les questions.", "Fin de la partie."),
        'es': ("Examen de práctica - Tema 4\nConteste todas las preguntas.", "Fin de la sección."),
        'de': ("Übungstest - Kapitel 5\nBeantworten Sie alle Fragen.", "Ende des Abschnitts."),
        'ru': ("Тест по теме 2\nОтветьте на все вопросы.", "Конец раздела."),
        'ja': ("第3回 模擬試験\nすべての問題に答えなさい。", "以上で終わりです。")}

LAYOUTS = ["A. {}", "A) {}", "(A) {}", "A: {}", "[A] {}", "A、{}", "A．{}", "a) {}", "(a) {}", "1) {}", "(1) {}",
           "①{}", "Ａ．{}", "inline", "inline_num"]
CYR = "АБВГ"


def label(layout, i, lang):
    if lang == 'ru' and layout in ("A) {}", "A. {}"):
        return layout.replace("A", CYR[i])
    if '①' in layout:
        return layout.replace('①', chr(0x2460 + i))
    if 'Ａ' in layout:
        return layout.replace('Ａ', chr(0xFF21 + i))
    if 'a' in layout[:2]:
        return layout.replace('a', "abcd"[i], 1)
    if '1' in layout:
        return layout.replace('1', "1234"[i], 1)
    return layout.replace('A', "ABCD"[i], 1)


def item(rng, lang, q, opts, ans, layout, with_key, num):
    if layout == 'inline':
        body = q + " " + "  ".join(f"({'ABCD'[i]}) {o}" for i, o in enumerate(opts))
    elif layout == 'inline_num':
        body = q + " " + " ".join(f"{i + 1}) {o}" for i, o in enumerate(opts))
    else:
        body = q + "\n" + "\n".join(label(layout, i, lang).format(o) for i, o in enumerate(opts))
    if num:
        body = f"{num}. " + body
    if with_key:
        a = ans
        if layout in ('1) {}', '(1) {}', 'inline_num'):
            a = str("ABCDАБВГ".index(ans) % 4 + 1)
        body += "\n" + rng.choice(KEY[lang]).format(a)
    return body


def positives(rng):
    out = []
    for lang, qs in Q.items():
        for layout in LAYOUTS:
            for shape in ('single', 'page'):
                q, opts, ans = rng.choice(qs)
                numeric = layout in ('1) {}', '(1) {}', 'inline_num') or layout.startswith(('a', '(a'))
                with_key = rng.random() < 0.5 or numeric and rng.random() < 0.5
                if shape == 'single':
                    text = item(rng, lang, q, opts, ans, layout, with_key, 0)
                    if rng.random() < 0.4:
                        text = rng.choice(["Quick question from my homework:\n", "Help please!\n", ""]) + text
                else:
                    head, foot = PAGE[lang]
                    parts = [head]
                    sel = rng.sample(qs, min(len(qs), 3))
                    for k, (q2, o2, a2) in enumerate(sel):
                        parts.append(item(rng, lang, q2, o2, a2, layout, with_key, k + 1))
                    parts.append(foot)
                    text = "\n\n".join(parts)
                out.append({"text": text, "label": 1, "lang": lang, "kind": f"{shape}:{layout}"})
    return out


NEG = [
    ('en', 'steps', "How to install the package\n\n1. Download the archive from the release page.\n2. Extract it into /opt.\n3. Run ./configure and make.\n4. Add the bin directory to your PATH.\n\nThat's it, you are done."),
    ('en', 'steps_q', "What are the steps to reset the router?\n1) Unplug the power cable for ten seconds.\n2) Plug it back in and wait for the lights.\n3) Log in to the admin page and restore the defaults.\n4) Reconfigure the wireless network name."),
    ('en', 'outline', "Table of contents\nA. Introduction\nB. Related work\nC. Method\nD. Experiments\nE. Conclusion"),
    ('en', 'legal', "Section 4. Obligations of the Licensee\n(a) The Licensee shall keep the software confidential and shall not disclose it to any third party without prior written consent of the Licensor, except as required by law.\n(b) The Licensee shall not reverse engineer, decompile or disassemble the software or any part thereof.\n(c) The Licensee shall promptly notify the Licensor of any unauthorised use of the software that comes to its attention."),
    ('en', 'plans', "We considered Plan A. It was too expensive. Plan B. was rejected by the board, and Plan C. never got past the design stage, so we kept the old process."),
    ('en', 'grades', "Grading scale for the course:\nA: 90-100 points\nB: 80-89 points\nC: 70-79 points\nD: 60-69 points\nF: below 60 points"),
    ('en', 'faq', "Frequently asked questions\nQ: Which browsers are supported?\nWe support the current versions of Firefox, Chrome and Safari. Older browsers may work but are not tested.\nQ: How do I reset my password?\nUse the link on the login page."),
    ('en', 'recipe', "Ingredients\n1. 200 g flour\n2. 2 eggs\n3. 250 ml milk\n4. a pinch of salt\nMethod: whisk everything together and rest the batter for 30 minutes."),
    ('en', 'code', "switch (state) {\ncase A: start(); break;\ncase B: stop(); break;\ncase C: reset(); break;\n}\nThe state machine has three states A, B and C."),
    ('en', 'release', "Release notes 2.4\n1. Faster startup on large projects.\n2. New dark theme.\n3. Fixed a crash when opening empty files.\n4. Updated translations."),
    ('en', 'ranked', "Which laptop should you buy in 2024? Our ranking:\n1. ThinkPad X1 Carbon - light, great keyboard, excellent battery life for travel and office work.\n2. MacBook Air - silent fanless design, superb display, but limited ports.\n3. Dell XPS 13 - compact and powerful, with a bright screen and solid build quality overall."),
    ('zh', 'steps', "安装步骤如下：\n1. 下载安装包。\n2. 双击运行安装程序。\n3. 按照提示完成安装。\n4. 重启电脑。"),
    ('zh', 'outline', "目录\nA．引言\nB．相关工作\nC．方法\nD．实验结果"),
    ('zh', 'article', "今天我们讨论三种方案：①提高产量，这需要更多的设备投入；②降低成本，主要通过优化流程；③扩大市场，需要加强宣传。经过讨论，大家认为应该综合考虑。"),
    ('fr', 'steps', "Comment préparer une crêpe ?\n1. Mélangez la farine et les œufs.\n2. Ajoutez le lait progressivement.\n3. Laissez reposer la pâte une heure.\n4. Faites cuire dans une poêle chaude."),
    ('fr', 'legal', "Article 3\na) Le vendeur s'engage à livrer la marchandise dans les délais convenus avec l'acheteur.\nb) L'acheteur s'engage à payer le prix au moment de la livraison de la marchandise.\nc) Tout litige sera soumis au tribunal compétent du lieu de livraison."),
    ('es', 'steps', "Pasos para renovar el pasaporte:\n1. Solicite una cita previa en línea.\n2. Lleve su DNI y una fotografía reciente.\n3. Pague la tasa correspondiente.\n4. Recoja el pasaporte en la oficina."),
    ('de', 'outline', "Gliederung\nA. Einleitung\nB. Grundlagen\nC. Durchführung\nD. Ergebnisse und Diskussion"),
    ('de', 'steps', "So wechseln Sie den Reifen:\n1) Warnblinker einschalten.\n2) Radmuttern lockern.\n3) Fahrzeug anheben.\n4) Rad wechseln und Muttern festziehen."),
    ('ru', 'steps', "Как установить программу?\n1. Скачайте установочный файл.\n2. Запустите его от имени администратора.\n3. Следуйте инструкциям мастера установки.\n4. Перезагрузите компьютер."),
    ('ru', 'outline', "Содержание\nА. Введение\nБ. Обзор литературы\nВ. Методы исследования\nГ. Результаты"),
    ('ja', 'steps', "手順\n1. 電源を切ります。\n2. カバーを外します。\n3. 電池を交換します。\n4. カバーを戻します。"),
    ('en', 'versions', "Supported versions: 1. x is end of life. 2. x receives security fixes. 3. x is the current stable series."),
    ('en', 'math', "Let A. be a ring and B. an A-module. Then C. the tensor product is right exact, as shown in the lecture notes."),
    ('en', 'seating', "Seating plan\n(A) Front row: VIP guests and speakers who are presenting during the morning session of the conference\n(B) Middle rows: registered attendees and press who arrived before the doors closed at nine\n(C) Back rows: staff, volunteers and late arrivals who registered on the day itself"),
]


def negatives(rng):
    out = []
    for lang, kind, text in NEG:
        out.append({"text": text, "label": 0, "lang": lang, "kind": kind})
        # The same negative inside surrounding prose.
        out.append({"text": "Posted by admin on March 3.\n\n" + text + "\n\nComments (2)", "label": 0, "lang": lang,
                    "kind": kind + "+page"})
    return out


def main():
    rng = random.Random(7)
    rows = positives(rng) + negatives(rng)
    rng.shuffle(rows)
    path = sys.argv[1] if len(sys.argv) > 1 else "tests/data/data/mcq_labelled.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{sum(r['label'] for r in rows)} positives, {sum(1 - r['label'] for r in rows)} negatives -> {path}")


if __name__ == "__main__":
    main()
