from django.apps import AppConfig


class AgentConfig(AppConfig):
    name = "support.agent"
    label = "support_agent"
    verbose_name = "Support AI agent"
