"""What shoppers say, per intent, in en, zh-hans, es, ar and id (plus common slang).

Phrases are compared after :func:`support.agent.text.normalise`, so accents, case and Arabic
letter forms do not matter here. A Latin phrase matches when each of its words appears in the
message (typos allowed by :func:`support.agent.text.fuzzy_equal`); a word ending in ``*`` also
matches any word it starts (``ship*`` ~ shipped, shipping). Han phrases match as substrings.
Languages are not separated at match time: shoppers mix them.
"""

from __future__ import annotations

# fmt: off
INTENT_PHRASES: dict[str, list[str]] = {
    "handoff": [
        "customer support", "support team", "someone from the team", "connect me with someone",
        "alguien del equipo", "soporte", "sambungin ke cs", "ke cs", "sama cs", "hubungi cs",
        "human", "real person", "real human", "speak to someone", "talk to someone",
        "talk to a person", "speak to a person", "live agent", "customer service agent", "operator",
        "representative", "talk to staff", "real agent", "not a bot", "speak with someone",
        "talk with someone", "agent please", "manager", "humano", "persona real",
        "hablar con alguien", "hablar con una persona", "asesor", "agente humano", "operador",
        "representante", "atencion al cliente", "hablar con un agente", "alguien real", "manusia",
        "orang asli", "bicara dengan orang", "ngomong sama orang", "cs nya", "admin asli",
        "customer service", "petugas", "operator manusia", "sama admin", "agen manusia",
        "minta admin", "انسان", "شخص حقيقي", "موظف", "خدمه العملاء", "اكلم احد", "التحدث مع",
        "مندوب", "وكيل بشري", "بشري", "人工", "真人", "客服", "转人工", "找人", "活人",
    ],
    "order_status": [
        "any news", "any update", "hay noticias", "noticias", "ada kabar", "kabarnya",
        "طلبت", "اي جديد", "فيه جديد", "有消息吗", "有消息",
        "order status", "my order", "status of my order", "order", "ordered", "purchase",
        "did my order", "has my order", "order update", "when will i get", "paid", "pedido",
        "mi pedido", "estado", "orden", "compra", "mi compra", "pesanan", "pesananku", "orderan",
        "status", "pembelian", "udah dibayar", "طلب", "طلبي", "حاله", "الطلب", "طلبيتي", "مشترياتي",
        "订单", "我的订单", "状态", "买的", "下单",
    ],
    "tracking": [
        "track", "tracking", "tracking number", "where is my", "where's my", "wheres my", "shipped",
        "shipment", "package", "parcel", "delivery", "delivered", "courier", "arrive",
        "when will it arrive", "hasn't arrived", "not arrived", "carrier", "rastrear", "rastreo",
        "seguimiento", "donde esta", "numero de guia", "guia", "paquete", "envio de mi", "llega",
        "llegado", "enviado", "entrega", "transportista", "lacak", "resi", "nomor resi", "paket",
        "kiriman", "dimana", "sampai", "dikirim", "kurir", "pengiriman pesanan", "udah sampe",
        "kapan sampai", "kapan nyampe", "تتبع", "رقم التتبع", "اين", "وين", "شحنه", "الشحنه", "طرد",
        "وصل", "يوصل", "توصيل", "物流", "快递", "单号", "追踪", "跟踪", "到哪", "在哪", "发货", "送到", "到了吗", "运单",
        "什么时候到", "多久到", "几时到",
    ],
    "return": [
        "damaged", "broken", "arrived damaged", "roto", "rota", "llego roto", "rusak",
        "تالف", "مكسور", "ارجعه", "坏的", "坏了", "破损",
        "return", "refund", "send back", "send it back", "money back", "exchange",
        "i want to return", "return my", "start a return", "return it", "give back", "devolver",
        "devolucion", "reembolso", "cambiar", "regresar", "quiero devolver", "devuelvo",
        "mi dinero", "retur", "kembalikan", "pengembalian", "refund dana", "balikin", "tukar",
        "uang kembali", "ارجاع", "استرجاع", "استرداد", "ارجع", "استبدال", "فلوسي", "ارد", "退货",
        "退款", "退", "换货", "退钱",
    ],
    "size": [
        "what size", "which size", "size should", "my size", "size for me", "fit me", "will it fit",
        "size advice", "size recommendation", "recommend a size", "true to size", "measurements",
        "chest", "bust", "waist", "hips", "hip", "foot", "cm", "inches", "que talla", "cual talla",
        "mi talla", "talla me", "medidas", "pecho", "busto", "cintura", "cadera", "me queda",
        "ukuran berapa", "ukuran apa", "ukuranku", "size berapa", "lingkar dada", "dada",
        "pinggang", "pinggul", "muat", "cocok", "اي مقاس", "مقاسي", "ما المقاس", "مقاس مناسب",
        "صدر", "الصدر", "خصر", "الخصر", "ورك", "الورك", "سم", "يناسبني", "什么尺码", "哪个尺码", "穿什么码",
        "穿多大", "尺码建议", "胸围", "腰围", "臀围", "合身", "选码", "几码", "多大码",
    ],
    "product": [
        "ukurannya apa aja", "ukuran apa aja", "ukuran apa saja", "ada ukuran apa",
        "warna apa aja", "warna apa saja",
        "in stock", "stock", "available", "availability", "sold out", "colours", "colors", "colour",
        "color", "sizes", "size", "price", "how much", "cost", "do you have", "come in", "material",
        "made of", "tell me about", "hay stock", "disponible", "agotado", "colores", "tallas",
        "talla", "precio", "cuanto cuesta", "cuanto vale", "tienen", "tienes", "viene en",
        "ada stok", "stok", "tersedia", "habis", "warna", "ukuran", "harga", "berapa", "ada ga",
        "ada gak", "ada nggak", "ready", "متوفر", "متاح", "مخزون", "نفد", "الوان", "لون", "مقاسات",
        "مقاس", "سعر", "السعر", "بكم", "كم سعر", "عندكم", "有货", "有没有", "库存", "现货", "卖完", "颜色", "尺码",
        "价格", "多少钱", "几种颜色", "什么颜色", "come with", "strap", "brp",
    ],
    "policy": [
        "policy", "shipping", "ship to", "do you ship", "shipping cost", "free shipping",
        "how long does shipping", "delivery time", "return policy", "returns", "payment",
        "pay with", "pay by", "payment methods", "paypal", "credit card", "card", "customs",
        "duties", "international", "how many days", "warranty", "cash on delivery", "politica",
        "envio", "envios", "envian", "costo de envio", "envio gratis", "tiempo de entrega",
        "devoluciones", "pago", "pagar", "metodos de pago", "tarjeta", "aduana", "cuantos dias",
        "garantia", "kebijakan", "ongkir", "ongkos kirim", "gratis ongkir", "kirim ke",
        "pembayaran", "bayar", "metode pembayaran", "kartu kredit", "bea cukai", "berapa hari",
        "garansi", "cod", "transfer", "سياسه", "الشحن", "شحن", "تشحنون", "الدفع", "دفع",
        "طرق الدفع", "بطاقه", "الجمارك", "كم يوم", "الارجاع", "الضمان", "الاسترجاع", "政策", "运费",
        "包邮", "配送", "寄到", "付款", "支付", "付款方式", "信用卡", "关税", "几天", "退货政策", "保修", "支付宝", "微信支付",
        "gratis", "مجاني", "مجانا", "free",
    ],
    "cancel": [
        "cancel", "cancel my order", "cancellation", "cancelar", "cancelar mi pedido",
        "anular", "anular el pedido", "batalkan", "batal", "pembatalan", "cancel pesanan",
        "الغاء", "الغي", "الغاء الطلب", "取消", "取消订单", "不要了",
    ],
    "greeting": [
        "hi", "hello", "hey", "good morning", "hola", "buenas", "buenos dias", "halo", "hai",
        "selamat pagi", "permisi", "مرحبا", "السلام عليكم", "اهلا", "你好", "您好", "在吗",
    ],
    "thanks": [
        "thanks", "thank you", "thx", "ty", "gracias", "terima kasih", "makasih", "thanks a lot",
        "شكرا", "谢谢", "多谢", "谢了",
    ],
}

# Words that say "this is about a request I am making", which tip "return" (start one) over
# "policy" (how returns work).
RETURN_ACTION: list[str] = [
    "i want", "i'd like", "i would like", "want to", "start", "please", "can i return my",
    "my order", "quiero", "me gustaria", "necesito", "quisiera", "mi pedido", "mau", "ingin",
    "pengen", "tolong", "pesanan saya", "اريد", "ابغى", "ابي", "بدي", "طلبي", "我要", "我想", "帮我",
    "申请",
]

POLICY_QUESTION: list[str] = [
    "policy", "how do", "how does", "how long", "how many days", "can i", "do you", "rules",
    "politica", "como funciona", "cuantos dias", "puedo", "aceptan", "kebijakan", "bagaimana",
    "berapa hari", "bisa", "apakah", "سياسه", "كيف", "كم يوم", "هل", "政策", "怎么", "几天", "可以吗", "能不能",
    "吗", "可以",
]

# Matched with fewer typos allowed than intents (see understand.frustrated).
FRUSTRATION_PHRASES: list[str] = [
    "frustrat*", "frustrating", "nothing works", "que rabia", "rabia", "no me estas ayudando",
    "no me ayudas nada", "ما في احد يرد", "محد يرد",
    "ga jelas", "gak jelas", "capek", "nyebelin",
    "useless", "this is useless", "stupid", "ridiculous", "terrible", "worst", "angry", "annoying",
    "waste of time", "you are not helping", "not helpful", "scam", "wtf", "fed up", "sick of",
    "awful", "pathetic", "dumb bot", "stupid bot", "inutil", "no sirve", "estupido", "ridiculo",
    "pesimo", "harto", "harta", "estafa", "no me ayudas", "que asco", "una porqueria", "molesto",
    "tidak berguna", "ga berguna", "gak berguna", "nggak guna", "bodoh", "payah", "kesal", "kecewa",
    "penipu", "parah", "buang waktu", "gak membantu", "ngeselin", "bego", "غبي", "سيء", "زفت",
    "لا فائده", "مافي فايده", "ما تفيد", "نصب", "زهقت", "غاضب", "سخيف", "اسوا", "مستفز", "没用", "垃圾",
    "太差", "气死", "什么破", "骗子", "生气", "烦死", "废物", "差劲", "سيئه",
]

# Product aspects a question may be about.
ASPECT_PHRASES: dict[str, list[str]] = {
    "stock": [
        "in stock", "stock", "available", "availability", "sold out", "do you have", "left",
        "hay stock", "disponible", "agotado", "tienen", "quedan", "queda", "hay", "ada stok",
        "stok", "tersedia", "habis", "ready", "masih ada", "ada ga", "ada gak", "متوفر", "متاح",
        "مخزون", "نفد", "موجود", "عندكم", "有货", "有没有", "库存", "现货", "卖完", "还有",
    ],
    "colours": [
        "colours", "colors", "colour", "color", "which colours", "what colors", "colores", "color",
        "que colores", "warna", "warna apa", "الوان", "لون", "الالوان", "颜色", "几种颜色", "什么颜色",
    ],
    "sizes": [
        "sizes", "size", "what sizes", "tallas", "talla", "ukuran", "size apa", "مقاسات", "مقاس",
        "المقاسات", "尺码", "码", "尺寸",
    ],
    "price": [
        "price", "how much", "cost", "costs", "precio", "cuanto", "cuesta", "vale", "harga",
        "berapa", "brp", "سعر", "السعر", "بكم", "كم", "价格", "多少钱", "价钱", "多少",
    ],
}

POLICY_KIND_PHRASES: dict[str, list[str]] = {
    "shipping": [
        "shipping", "ship", "ship*", "delivery", "deliver", "customs", "duties", "courier",
        "international", "envio", "envios", "enviar", "envian", "entrega", "aduana",
        "ongkir", "ongkos kirim", "kirim", "pengiriman", "bea cukai", "الشحن", "شحن", "تشحنون",
        "توصيل", "الجمارك", "运费", "包邮", "配送", "寄", "发货", "关税", "快递",
    ],
    "returns": [
        "refunds", "reembolsos", "到账", "استرداد المبلغ",
        "return", "returns", "refund", "exchange", "send back", "devolucion", "devoluciones",
        "devolver", "reembolso", "cambio", "retur", "pengembalian", "refund", "tukar", "الارجاع",
        "ارجاع", "الاسترجاع", "استرجاع", "استرداد", "استبدال", "退货", "退款", "换货",
    ],
    "payment": [
        "payment", "pay", "paypal", "card", "credit card", "visa", "mastercard", "pago", "pagar",
        "tarjeta", "pembayaran", "bayar", "kartu", "transfer", "cod", "الدفع", "دفع", "بطاقه", "付款",
        "支付", "信用卡", "支付宝", "微信",
    ],
}

# Words that name a body measurement, by size-chart column.
MEASUREMENT_WORDS: dict[str, list[str]] = {
    "chest": [
        "chest", "bust", "pecho", "busto", "dada", "lingkar dada", "صدر", "الصدر", "胸围", "胸",
    ],
    "waist": [
        "waist", "cintura", "pinggang", "خصر", "الخصر", "腰围", "腰",
    ],
    "hip": [
        "hip", "hips", "cadera", "caderas", "pinggul", "ورك", "الورك", "ارداف", "臀围", "臀",
    ],
    "foot": [
        "foot", "feet", "pie", "kaki", "قدم", "القدم", "脚长", "脚",
    ],
}

INCH_WORDS: list[str] = [
    "in", "inch", "inches", "pulgadas", "inci", "انش", "بوصه", "英寸", "\"",
]

SIZE_WORDS: list[str] = [
    "size", "talla", "ukuran", "مقاس", "المقاس", "尺码", "码", "号",
]

# fmt: on
